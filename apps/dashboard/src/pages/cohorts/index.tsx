/** The Cohorts page, for the router's `cohorts` route. */
export { CohortsPage as default } from './CohortsPage';
