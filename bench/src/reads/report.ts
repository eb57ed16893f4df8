import os from 'node:os';
import type { ApiBuild } from '../shared/api-build.js';
import { describeBuildLine } from '../shared/api-build.js';
import { formatFixed, formatInt, median, pad, percentile, round } from '../shared/stats.js';
import type { DatasetDatabase } from './dataset-database.js';
import type { LoadRun } from './load.js';
import type { ReadsOptions } from './options.js';
import { READ_QUERIES } from './queries.js';
import type { QueryName } from './queries.js';
import type { System } from './requests.js';
import type { Measurements } from './rounds.js';
import type { StatementCounts } from './statements.js';

/** One system's figures for one query over all rounds. */
export type SystemSummary = {
  requestsPerSecond: number;
  p50: number | null;
  p99: number | null;
  perRound: number[];
  statementsPerRequest: number | null;
  /** The server process's CPU time per response (ms) over every timed run, lead-ins included; null when unknown. */
  cpuMsPerRequest: number | null;
};

export type QuerySummary = {
  query: QueryName;
  title: string;
  clm: SystemSummary;
  floor: SystemSummary;
  /** clm ÷ floor requests per second, over all rounds; and per round. */
  ratio: number;
  ratioPerRound: number[];
  clmStatements: Array<{ sql: string; perRequest: number }>;
};

export type ReadsContext = {
  options: ReadsOptions;
  build: ApiBuild;
  buildChanged: boolean;
  postgres: { version: string; server: string };
  database: DatasetDatabase;
};

function summariseSystem(runs: readonly LoadRun[], statements: number | null): SystemSummary {
  const requests = runs.reduce((sum, run) => sum + run.requests, 0);
  const seconds = runs.reduce((sum, run) => sum + run.windowSeconds, 0);
  const latencies = runs.flatMap((run) => run.latencies).sort((a, b) => a - b);
  const cpuKnown = runs.every((run) => run.serverCpuMs !== null);
  const cpuMs = runs.reduce((sum, run) => sum + (run.serverCpuMs ?? 0), 0);
  const responses = runs.reduce((sum, run) => sum + run.responses, 0);
  return {
    requestsPerSecond: requests / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    perRound: runs.map((run) => run.requests / run.windowSeconds),
    statementsPerRequest: statements,
    cpuMsPerRequest: cpuKnown && responses > 0 ? cpuMs / responses : null,
  };
}

/** Per query: rates, latencies, the ratio clm ÷ floor and statements per request. */
export function summarise(measurements: Measurements, statements: StatementCounts | null): QuerySummary[] {
  return [...measurements].map(([query, runs]) => {
    const counted = statements?.get(query) ?? null;
    const clm = summariseSystem(runs.clm, counted?.clm.perRequest ?? null);
    const floor = summariseSystem(runs.floor, counted?.floor.perRequest ?? null);
    return {
      query,
      title: READ_QUERIES[query].title,
      clm,
      floor,
      ratio: clm.requestsPerSecond / floor.requestsPerSecond,
      ratioPerRound: clm.perRound.map((rate, i) => rate / floor.perRound[i]),
      clmStatements: counted?.clm.statements ?? [],
    };
  });
}

const rate = (value: number) => (value >= 100 ? formatInt(value) : formatFixed(value, 1));
const ms = (value: number | null) => (value === null ? '–' : value >= 100 ? formatInt(value) : formatFixed(value, 1));
const statementsText = (value: number | null) => (value === null ? '–' : formatFixed(value, 2));
const cpuText = (value: number | null) => (value === null ? '–' : formatFixed(value, 3));

/** The report printed on stdout: header, one block per query, statements, then the markdown table. */
export function formatReadsReport(summaries: readonly QuerySummary[], context: ReadsContext): string {
  const { options, database } = context;
  const counts = database.counts;
  const lines = [
    '',
    `clm reads benchmark (${os.cpus().length} CPUs, node ${process.version}, PostgreSQL ${context.postgres.version}, ${context.postgres.server})`,
    `  ${describeBuildLine(context.build, context.buildChanged)}`,
    `  dataset: ${formatInt(counts.customers)} customers, ${formatInt(counts.touchpoints)} touchpoints, ${formatInt(counts.transitions)} transitions ` +
      `(seed ${options.seed}; ${database.reused ? 'reused' : `generated and loaded in ${database.loadSeconds?.toFixed(1)} s`})`,
    `  stages: ${Object.entries(counts.byStage)
      .map(([stage, n]) => `${stage} ${formatInt(n)}`)
      .join(', ')}`,
    `  ${options.concurrency} connections; ${options.rounds} rounds × ${options.seconds} s per query and system (after a 1 s lead-in), warm-up ${options.warmupSeconds} s`,
    '',
    `  ${'query'.padEnd(52)}${'system'.padEnd(7)}${pad('req/s', 9)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('clm÷floor', 11)}${pad('SQL/req', 9)}${pad('CPU ms/req', 12)}`,
  ];
  for (const summary of summaries) {
    lines.push(systemLine(summary.title, 'clm', summary.clm, formatFixed(summary.ratio, 3)));
    lines.push(systemLine('', 'floor', summary.floor, ''));
    lines.push(`  ${''.padEnd(52)}per round: ${summary.ratioPerRound.map((ratio) => formatFixed(ratio, 3)).join('  ')}`);
  }
  lines.push('', '  statements of one clm request, by kind:');
  for (const summary of summaries) {
    lines.push(`  ${summary.title}`);
    for (const statement of summary.clmStatements)
      lines.push(`    ${pad(formatFixed(statement.perRequest, 2), 6)} × ${statement.sql.slice(0, 150)}`);
  }
  lines.push('', markdownTable(summaries), '');
  return lines.join('\n');
}

function systemLine(title: string, system: System, summary: SystemSummary, ratio: string): string {
  return (
    `  ${title.padEnd(52)}${system.padEnd(7)}${pad(rate(summary.requestsPerSecond), 9)}${pad(ms(summary.p50), 9)}${pad(ms(summary.p99), 9)}` +
    `${pad(ratio, 11)}${pad(statementsText(summary.statementsPerRequest), 9)}${pad(cpuText(summary.cpuMsPerRequest), 12)}`
  );
}

/** The table for a README: one row per query. */
export function markdownTable(summaries: readonly QuerySummary[]): string {
  const rows = summaries.map((s) =>
    [
      s.title,
      `${rate(s.clm.requestsPerSecond)} req/s, p50 ${ms(s.clm.p50)} ms, p99 ${ms(s.clm.p99)} ms`,
      `${rate(s.floor.requestsPerSecond)} req/s, p50 ${ms(s.floor.p50)} ms, p99 ${ms(s.floor.p99)} ms`,
      `**${formatFixed(s.ratio, 3)}**`,
      statementsText(s.clm.statementsPerRequest),
      `${cpuText(s.clm.cpuMsPerRequest)} / ${cpuText(s.floor.cpuMsPerRequest)}`,
    ].join(' | '),
  );
  return [
    '| query | clm | SQL floor | clm ÷ floor | SQL statements per clm request | server CPU ms per request, clm / floor |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

/** The JSON result written to bench/results/reads-<timestamp>.json. */
export function readsResult(summaries: readonly QuerySummary[], context: ReadsContext, statements: StatementCounts | null) {
  return {
    benchmark: 'reads',
    timestamp: new Date().toISOString(),
    apiBuild: { ...context.build, changedDuringRun: context.buildChanged },
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? null,
      node: process.version,
      postgres: context.postgres.version,
      server: context.postgres.server,
    },
    options: context.options,
    dataset: { ...context.database.counts, reused: context.database.reused, loadSeconds: round(context.database.loadSeconds, 1) },
    queries: summaries.map((s) => ({
      ...s,
      medianRoundRatio: round(median(s.ratioPerRound), 3),
      floorStatements: statements?.get(s.query)?.floor.statements ?? [],
    })),
  };
}
