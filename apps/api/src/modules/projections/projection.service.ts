import { invalidInput } from '../../core/errors';
import type { Db, ReplicaHealth } from '../../database/db';
import { listFailures } from '../../log';
import type { HealthThresholds, ProjectionFailure, ProjectionHealth, Projector, RetryOutcome } from '../../log';

/** The most failures one `projectionFailures` query returns. */
export const MAX_FAILURES_PAGE = 1000;

/**
 * What an admin sees of the projections (the read models derived from the
 * logs) and can do about them: rows they skipped, and trying those again; and
 * how far the read replica they may be read from is behind.
 */
export class ProjectionService {
  constructor(
    private readonly db: Db,
    private readonly projector: Projector,
    private readonly thresholds: HealthThresholds,
  ) {}

  /** Each projection's state in each of its logs (what /readyz reports). */
  health(): Promise<ProjectionHealth[]> {
    return this.projector.health(this.thresholds);
  }

  /** The read replica's state and lag as this instance last measured it; null without one. */
  readReplica(): ReplicaHealth | null {
    return this.db.replicaHealth();
  }

  /** Rows a projection skipped because they could not be applied, oldest first. */
  async failures(projection: string | null, first: number): Promise<ProjectionFailure[]> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_FAILURES_PAGE)
      throw invalidInput('first', `must be a whole number from 1 to ${MAX_FAILURES_PAGE}, got ${first}`);
    if (projection !== null) this.known(projection);
    return listFailures(this.db, projection, first);
  }

  /** Tries the skipped rows again (after the cause is fixed): how many were tried, and how many now applied. */
  async retry(projection: string | null): Promise<RetryOutcome> {
    if (projection !== null) this.known(projection);
    return this.projector.retryFailures(projection ?? undefined);
  }

  private known(projection: string): void {
    const names = this.projector.projections();
    if (!names.includes(projection)) throw invalidInput('projection', `"${projection}" is not a projection; one of ${names.join(', ')}`);
  }
}
