import type pg from 'pg';
import { log } from '../shared/cli.js';
import { withClient } from '../shared/postgres.js';
import type { ApiServices, StatementProfiler, StatementStats } from './api-services.js';
import { projectorWithBatch, statementLabel } from './api-services.js';

/** How building the metrics projection from the logs went. */
export type ProjectionBuild = {
  seconds: number;
  /** When it ran past the budget and was then let finish: seconds to catch up in all (the profile's pause left out). */
  finishedAfterSeconds: number | null;
  /** Rows per transaction when finishing after the budget (the API's default, 5,000, before). */
  finishBatch: number | null;
  /** Rows applied when the budget ran out (null: within it). */
  atBudget: { seconds: number; touchpoints: number; transitions: number } | null;
  /** Whether it caught up with both logs within the budget. */
  complete: boolean;
  rows: { touchpoints: number; transitions: number };
  /** Rows of both logs applied per second. */
  rowsPerSecond: number;
  statements: Array<{ statement: string; calls: number; seconds: number; share: number }>;
  /** When stopped at the budget: EXPLAIN ANALYZE of each range statement over the next batch (rolled back). */
  explain: Array<{ statement: string; plan: string[] }>;
};

const LOGS = [
  { name: 'touchpoints', table: 'touchpoints' },
  { name: 'stage_transitions', table: 'stage_transitions' },
] as const;
/** The projector's batch (rows per transaction), as in the API build's Projector default. */
const BATCH = 5000;

/** Rows of each log the metrics projection has applied (positions are (tx_id, id); counted up to the stored position). */
export async function projectedRows(client: pg.Client): Promise<{ touchpoints: number; transitions: number; complete: boolean }> {
  const counts = await Promise.all(
    LOGS.map(async ({ name, table }) => {
      const result = await client.query<{ applied: string; total: string }>(
        `SELECT (SELECT count(*) FROM ${table} t, projection_positions p
                  WHERE p.projection = 'metrics' AND p.log = $1 AND (t.tx_id, t.id) <= (p.tx_id, p.id))::text AS applied,
                (SELECT count(*) FROM ${table})::text AS total`,
        [name],
      );
      return { applied: Number(result.rows[0].applied), total: Number(result.rows[0].total) };
    }),
  );
  return {
    touchpoints: counts[0].applied,
    transitions: counts[1].applied,
    complete: counts.every((count) => count.applied === count.total),
  };
}

/**
 * Builds the metrics projection the way the API does (its own Projector and
 * MetricsProjection, from `createServices`, which starts following the logs
 * at once), timing every statement. Stops at `budgetMinutes`: then the
 * statements of the next batch are EXPLAIN ANALYZEd in a rolled-back
 * transaction, to show which one dominates.
 */
export async function buildProjection(
  url: string,
  startServices: () => Promise<ApiServices>,
  profiler: StatementProfiler,
  budgetMinutes: number,
  finish: { apiDist: string; batch: number } | null,
): Promise<ProjectionBuild> {
  profiler.start();
  const started = performance.now();
  const services = await startServices();
  let finished = false;
  // Progress from the stored positions alone (ids are loaded in order, so the position's id is the rows applied so far).
  const progress = setInterval(() => {
    void withClient(url, (client) =>
      client.query<{ log: string; id: string }>(`SELECT log, id::text FROM projection_positions WHERE projection = 'metrics'`),
    )
      .then((result) => {
        if (finished) return;
        const seconds = (performance.now() - started) / 1000;
        const at = result.rows.map((row) => `${row.log} id ${Number(row.id).toLocaleString('en-US')}`).join(', ');
        log(`projection after ${seconds.toFixed(0)} s: ${at}`);
      })
      .catch(() => undefined);
  }, 60_000);
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<'budget'>((resolve) => (timer = setTimeout(() => resolve('budget'), budgetMinutes * 60_000)));
  try {
    const outcome = await Promise.race([services.projector.catchUp().then(() => 'done' as const), budget]);
    let atBudget: ProjectionBuild['atBudget'] = null;
    let explain: ProjectionBuild['explain'] = [];
    let finishedAfterSeconds: number | null = null;
    if (outcome === 'budget') {
      log(`projection: over the ${budgetMinutes}-minute budget; stopping it after the batch in flight to profile the next one`);
      await services.projector.stop();
      const stoppedAt = performance.now();
      const rows = await withClient(url, projectedRows);
      atBudget = { seconds: (stoppedAt - started) / 1000, touchpoints: rows.touchpoints, transitions: rows.transitions };
      explain = await explainNextBatch(
        url,
        [...profiler.snapshot()].sort((a, b) => b.ms - a.ms),
      );
      if (finish) {
        log(
          `projection: profiled; finishing it in batches of ${finish.batch.toLocaleString('en-US')} rows (--stop-at-budget to stop here)`,
        );
        const resumed = performance.now();
        const again = await startServices();
        try {
          const projector = await projectorWithBatch(finish.apiDist, again, finish.batch, (error) => log(String(error)));
          await projector.catchUp();
          await projector.stop();
        } finally {
          await again.stop();
        }
        finishedAfterSeconds = atBudget.seconds + (performance.now() - resumed) / 1000;
      }
    }
    const seconds = finishedAfterSeconds ?? (performance.now() - started) / 1000;
    finished = true;
    const statements = profiler.stop();
    const rows = await withClient(url, projectedRows);
    const total = statements.reduce((sum, statement) => sum + statement.ms, 0);
    return {
      seconds,
      finishedAfterSeconds,
      finishBatch: finishedAfterSeconds === null ? null : (finish?.batch ?? null),
      atBudget,
      complete: rows.complete,
      rows: { touchpoints: rows.touchpoints, transitions: rows.transitions },
      rowsPerSecond: (rows.touchpoints + rows.transitions) / seconds,
      statements: statements
        .filter((statement) => statement.ms >= 0.001 * total)
        .map((statement) => ({
          statement: statementLabel(statement.text),
          calls: statement.calls,
          seconds: statement.ms / 1000,
          share: statement.ms / total,
        })),
      explain,
    };
  } finally {
    finished = true;
    clearInterval(progress);
    clearTimeout(timer);
    await services.stop();
  }
}

/** EXPLAIN (ANALYZE, BUFFERS) of every statement that reads a stretch of a log, over the next unapplied stretch, rolled back. */
async function explainNextBatch(url: string, statements: StatementStats[]): Promise<ProjectionBuild['explain']> {
  return withClient(url, async (client) => {
    const ranges = new Map<string, string[]>();
    for (const { name, table } of LOGS) {
      const after = await client.query<{ tx_id: string; id: string }>(
        `SELECT tx_id::text, id::text FROM projection_positions WHERE projection = 'metrics' AND log = $1`,
        [name],
      );
      const from = after.rows[0] ?? { tx_id: '0', id: '0' };
      const upTo = await client.query<{ tx_id: string; id: string }>(
        // Ordered by the columns, not by their text (a bare name in ORDER BY is the output column's).
        `SELECT l.tx_id::text AS tx_id, l.id::text AS id FROM ${table} l WHERE (l.tx_id, l.id) > ($1::xid8, $2::bigint)
          ORDER BY l.tx_id, l.id OFFSET ${BATCH - 1} LIMIT 1`,
        [from.tx_id, from.id],
      );
      if (upTo.rows[0]) ranges.set(table, [from.tx_id, from.id, upTo.rows[0].tx_id, upTo.rows[0].id]);
    }
    const plans: ProjectionBuild['explain'] = [];
    for (const statement of statements) {
      if (!statement.text.includes('($1::xid8, $2::bigint)')) continue;
      const table = /FROM (touchpoints|stage_transitions) t\b/.exec(statement.text)?.[1];
      const range = table ? ranges.get(table) : undefined;
      if (!range) continue;
      await client.query('BEGIN');
      try {
        const result = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${statement.text}`, [
          ...range,
          ...statement.lastParameters.slice(4),
        ]);
        plans.push({ statement: statementLabel(statement.text), plan: result.rows.map((row) => row['QUERY PLAN']) });
      } finally {
        await client.query('ROLLBACK');
      }
    }
    return plans;
  });
}
