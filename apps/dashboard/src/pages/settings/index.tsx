/** The Settings page, for the router's `settings` route. */
import '../../components/kit.css';

export { SettingsPage as default } from './SettingsPage';
