/**
 * The kinds of work clm asks of its database. Each kind runs on connections
 * of its own (a pool per kind, see Db), every one of them opened with the
 * kind's `statement_timeout` and `idle_in_transaction_session_timeout`: the
 * server itself stops a statement over the limit, whatever the client does,
 * and one kind can never take the connections another needs (ten previews
 * cannot starve ingest or /healthz).
 */
export const WORK_KINDS = ['read', 'metrics', 'export', 'ingest', 'projection', 'sweep', 'background', 'control'] as const;
export type WorkKind = (typeof WORK_KINDS)[number];

/**
 * One kind's limits: the longest one statement may run (0: no limit), how many connections it may hold at once,
 * and, when given, the parallel workers one of its statements may use (`max_parallel_workers_per_gather`; the
 * server's setting when absent).
 */
export type WorkLimit = { statementTimeoutMs: number; connections: number; parallelWorkers?: number };
export type WorkLimits = Record<WorkKind, WorkLimit>;

/** What a time-limit error says about a kind: what the work is, and the variable that changes its limit. */
export const WORK_KIND_NAMES: Record<WorkKind, { label: string; variable: string }> = {
  read: { label: 'interactive reads', variable: 'CLM_READ_TIMEOUT_MS' },
  metrics: { label: 'previews and metrics', variable: 'CLM_METRICS_TIMEOUT_MS' },
  export: { label: 'exports', variable: 'CLM_EXPORT_TIMEOUT_MS' },
  ingest: { label: 'ingest', variable: 'CLM_INGEST_TIMEOUT_MS' },
  projection: { label: 'projections', variable: 'CLM_PROJECTION_TIMEOUT_MS' },
  sweep: { label: 'the inactivity sweep', variable: 'CLM_SWEEP_TIMEOUT_MS' },
  background: { label: 'background jobs', variable: 'CLM_BACKGROUND_TIMEOUT_MS' },
  control: { label: 'health checks', variable: '' },
};

/**
 * The defaults config.ts documents. `background` is work outside any request
 * (the scheduled segment refresh, the demo, start-up tasks); `control` (health
 * checks, cancelling other work) is not configurable.
 */
export const DEFAULT_WORK_LIMITS: WorkLimits = {
  read: { statementTimeoutMs: 5_000, connections: 10 },
  // No parallel workers: a preview or metric with two would take both cores of a small machine from ingest and reads.
  metrics: { statementTimeoutMs: 15_000, connections: 3, parallelWorkers: 0 },
  export: { statementTimeoutMs: 30_000, connections: 2 },
  ingest: { statementTimeoutMs: 30_000, connections: 4 },
  projection: { statementTimeoutMs: 60_000, connections: 2 },
  sweep: { statementTimeoutMs: 60_000, connections: 1 },
  background: { statementTimeoutMs: 60_000, connections: 4 },
  control: { statementTimeoutMs: 2_000, connections: 2 },
};

/** A duration in words for an error message: "5 s", "1.5 s", "250 ms". */
export function describeDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  return `${Number((ms / 1000).toFixed(1))} s`;
}
