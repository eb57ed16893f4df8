/** The Settings page, for the router: `/settings`. */
import '../customers/shared/pages.css';

export { SettingsPage } from './SettingsPage';
export { SettingsPage as default } from './SettingsPage';
