/** The Metrics page, for the router's `metrics` route. */
export { MetricsPage as default } from './MetricsPage';
