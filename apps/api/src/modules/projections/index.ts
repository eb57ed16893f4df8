/**
 * Operations on the projections (read models derived from the logs): their
 * health, the rows they skipped, and retrying those.
 */
export { ProjectionResolver } from './projection.resolver';
export { ProjectionService } from './projection.service';
