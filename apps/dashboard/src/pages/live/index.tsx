/** The Live page, for the router's `live` route (the first page: loaded with the shell, not as a chunk of its own). */
export { LivePage as default } from './LivePage';
