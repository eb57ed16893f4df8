import type { Queryable } from '../database/db';
import type { ProjectedLog } from './projection-steps';

/*
 * How far each projection is behind its logs, for /healthz, /readyz and the
 * log. Read from the database (positions, their times, the log's rows past
 * them), so every instance reports the same whichever one runs the steps.
 */

export type HealthThresholds = {
  /** Stalled: rows wait beyond the position and the projection has made no progress for this long. */
  stallSeconds: number;
  /** Lagging: more than this many rows beyond the position… */
  lagRows: number;
  /** …or rows have waited since the projection was last caught up for longer than this. */
  lagSeconds: number;
};

export const PROJECTION_STATES = ['ok', 'lagging', 'stalled'] as const;
export type ProjectionState = (typeof PROJECTION_STATES)[number];

export type ProjectionHealth = {
  projection: string;
  log: string;
  state: ProjectionState;
  /** Committed rows beyond the position, counted up to `lagRows + 1`. */
  rowsBehind: number;
  /** Seconds since the projection was last caught up, while rows wait (0 when none do). */
  secondsBehind: number;
  /** Seconds since the projection last applied a stretch or found nothing to apply. */
  secondsSinceProgress: number;
  /** Rows recorded in projection_failures (skipped, waiting for a retry). */
  failedRows: number;
};

type HealthRow = { rows_behind: number; seconds_behind: number; seconds_since_progress: number; failed_rows: number };

/** One projection's health in one log. */
export async function readHealth(
  db: Queryable,
  projection: string,
  log: ProjectedLog,
  thresholds: HealthThresholds,
): Promise<ProjectionHealth> {
  // A projection that has not begun stands at the start of the log, and has made no progress since the epoch.
  const [row] = await db.query<HealthRow>(
    `WITH p AS (
       SELECT coalesce(max(tx_id::text), '0')::xid8 AS tx_id, coalesce(max(id), 0) AS id,
              max(updated_at) AS updated_at, max(caught_up_at) AS caught_up_at
         FROM projection_positions WHERE projection = $1 AND log = $2)
     SELECT behind.n::int AS rows_behind,
            CASE WHEN behind.n = 0 THEN 0
                 ELSE extract(epoch FROM now() - coalesce(p.caught_up_at, p.updated_at, 'epoch'))::float8 END AS seconds_behind,
            extract(epoch FROM now() - coalesce(greatest(p.updated_at, p.caught_up_at), 'epoch'))::float8 AS seconds_since_progress,
            (SELECT count(*)::int FROM projection_failures f WHERE f.projection = $1 AND f.log = $2) AS failed_rows
       FROM p, LATERAL (SELECT count(*) AS n FROM (
                          SELECT 1 FROM ${log.table} e WHERE (e.tx_id, e.id) > (p.tx_id, p.id) AND e.tx_id >= p.tx_id LIMIT $3) x) behind`,
    [projection, log.name, thresholds.lagRows + 1],
  );
  return {
    projection,
    log: log.name,
    state: stateOf(row, thresholds),
    rowsBehind: row.rows_behind,
    secondsBehind: Math.round(row.seconds_behind),
    secondsSinceProgress: Math.round(row.seconds_since_progress),
    failedRows: row.failed_rows,
  };
}

function stateOf(row: HealthRow, thresholds: HealthThresholds): ProjectionState {
  if (row.rows_behind === 0) return 'ok';
  if (row.seconds_since_progress > thresholds.stallSeconds) return 'stalled';
  if (row.rows_behind > thresholds.lagRows || row.seconds_behind > thresholds.lagSeconds) return 'lagging';
  return 'ok';
}

/**
 * Watches projections' health and reports each change of state once (ok →
 * lagging → stalled → ok), not once ever and not on every check.
 */
export class HealthWatch {
  private readonly states = new Map<string, ProjectionState>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly read: () => Promise<ProjectionHealth[]>,
    private readonly onChange: (health: ProjectionHealth, previous: ProjectionState) => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.check().catch(this.onError), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Reads health once and reports what changed since the last check. */
  async check(): Promise<ProjectionHealth[]> {
    const all = await this.read();
    for (const health of all) {
      const key = `${health.projection}/${health.log}`;
      const previous = this.states.get(key) ?? 'ok';
      this.states.set(key, health.state);
      if (previous !== health.state) this.onChange(health, previous);
    }
    return all;
  }
}
