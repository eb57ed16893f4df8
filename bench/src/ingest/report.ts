import os from 'node:os';
import type { ApiBuild } from '../shared/api-build.js';
import { describeBuildLine } from '../shared/api-build.js';
import { formatInt, pad, percentile, round } from '../shared/stats.js';
import type { ApiCounts, RetryStats } from './api-run.js';
import type { BaselineTimes } from './baseline.js';
import type { SqlTiming } from './sql-log.js';

/** Everything a run measured; written to bench/results/ingest-<timestamp>.json. */
export type IngestMeasurements = {
  build: ApiBuild;
  buildChanged: boolean;
  postgres: { version: string; server: string };
  workload: {
    touchpoints: number;
    customers: number;
    batchSize: number;
    concurrency: number;
    warmupBatches: number;
    retriesAllowed: number;
    seed: number;
    types: Record<string, number>;
  };
  apiSeconds: number;
  latencies: number[];
  model: { name: string; rules: number };
  counts: ApiCounts;
  retries: RetryStats;
  apiErrorsLogged: number;
  database: { commits: number; rollbacks: number; deadlocks: number } | null;
  sqlTiming: SqlTiming | null;
  baseline: BaselineTimes;
};

export type IngestResult = ReturnType<typeof ingestResult>;

/** The JSON result: rates, ratios and the context needed to compare runs. */
export function ingestResult(m: IngestMeasurements) {
  const n = m.workload.touchpoints;
  const apiRate = n / m.apiSeconds;
  const perBatchRate = n / m.baseline.perBatchSeconds;
  const singleRate = n / m.baseline.singleSeconds;
  const transitions = Object.values(m.counts.transitionsByCause).reduce((sum, count) => sum + count, 0);
  return {
    benchmark: 'ingest',
    timestamp: new Date().toISOString(),
    apiBuild: { ...m.build, changedDuringRun: m.buildChanged },
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? null,
      node: process.version,
      postgres: m.postgres.version,
      server: m.postgres.server,
    },
    workload: m.workload,
    api: {
      seconds: round(m.apiSeconds, 3),
      touchpointsPerSecond: round(apiRate, 1),
      batchLatencyMs: {
        p50: round(percentile(m.latencies, 50), 1),
        p95: round(percentile(m.latencies, 95), 1),
        max: round(m.latencies.at(-1), 1),
      },
      lifecycleModel: m.model.name,
      customersCreated: m.counts.customers,
      transitionsWritten: transitions,
      transitionsByCause: m.counts.transitionsByCause,
      clientRetries: m.retries.retries,
      retriedBatches: new Set(m.retries.retried).size,
      apiErrorsLogged: m.apiErrorsLogged,
      database: m.database,
      ...(m.sqlTiming ? { serverSideSql: m.sqlTiming } : {}),
      customersByStage: m.counts.customersByStage,
    },
    baseline: {
      method: 'COPY',
      perBatch: {
        description: `COPY per ${m.workload.batchSize}-row batch, ${m.workload.concurrency} connections, one transaction per batch`,
        seconds: round(m.baseline.perBatchSeconds, 3),
        touchpointsPerSecond: round(perBatchRate, 1),
      },
      singleStream: {
        description: 'one COPY of all rows on one connection',
        seconds: round(m.baseline.singleSeconds, 3),
        touchpointsPerSecond: round(singleRate, 1),
      },
    },
    ratio: { perBatch: round(apiRate / perBatchRate, 3), singleStream: round(apiRate / singleRate, 3) },
  };
}

function line(label: string, seconds: number, rate: number, ratio: number | null): string {
  const shownRatio = ratio === null ? '' : pad(ratio.toFixed(3), 10);
  return `  ${label.padEnd(34)}${pad(seconds.toFixed(2), 9)} s${pad(formatInt(rate), 12)} /s${shownRatio}`;
}

/** The report printed on stdout. */
export function formatIngestReport(result: IngestResult, m: IngestMeasurements): string {
  const w = m.workload;
  const db = m.database;
  const transitions = Object.entries(m.counts.transitionsByCause)
    .map(([cause, count]) => `${cause} ${count}`)
    .join(', ');
  return [
    '',
    `clm ingest benchmark (${result.machine.cpus} CPUs, node ${process.version}, PostgreSQL ${m.postgres.version}, ${m.postgres.server})`,
    `  ${describeBuildLine(m.build, m.buildChanged)}`,
    `  touchpoints ${w.touchpoints.toLocaleString('en-US')}   customers ${w.customers.toLocaleString('en-US')}   batch ${w.batchSize}   concurrency ${w.concurrency}   model ${m.model.name}`,
    '',
    `  ${''.padEnd(34)}${pad('time', 11)}${pad('rate', 15)}${pad('API/this', 10)}`,
    line('API recordTouchpoints', m.apiSeconds, w.touchpoints / m.apiSeconds, null),
    line(
      `COPY per batch (${w.concurrency} conns)`,
      m.baseline.perBatchSeconds,
      w.touchpoints / m.baseline.perBatchSeconds,
      result.ratio.perBatch,
    ),
    line('COPY one stream', m.baseline.singleSeconds, w.touchpoints / m.baseline.singleSeconds, result.ratio.singleStream),
    '',
    `  ratio (API rate / COPY per-batch rate): ${result.ratio.perBatch.toFixed(3)}`,
    `  batch latency p50 ${result.api.batchLatencyMs.p50} ms, p95 ${result.api.batchLatencyMs.p95} ms`,
    `  whole-batch failures resent: ${m.retries.retries} (--retries ${w.retriesAllowed}); db A: ${db?.commits} commits, ${db?.rollbacks} rollbacks, ${db?.deadlocks} deadlocks`,
    `  transitions written: ${result.api.transitionsWritten.toLocaleString('en-US')} (${transitions})`,
    '',
  ].join('\n');
}

/** The `--sql-log` table: server-side time per statement kind. */
export function formatSqlTiming(timing: SqlTiming): string {
  const lines = [
    `\n  server-side SQL time during the API run (${timing.statements} statements, ${timing.totalMs.toFixed(0)} ms summed over connections):\n`,
  ];
  for (const entry of timing.byStatement.slice(0, 12)) {
    lines.push(
      `  ${pad(entry.totalMs.toFixed(0), 8)} ms ${pad(entry.count, 6)}x ${pad(entry.meanMs.toFixed(2), 8)} ms/each  ${entry.statement}\n`,
    );
  }
  return lines.join('');
}
