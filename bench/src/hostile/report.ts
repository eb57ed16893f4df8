import type { ApiBuild } from '../shared/api-build.js';
import { describeBuildLine } from '../shared/api-build.js';
import { formatFixed, formatInt, pad, percentile, round } from '../shared/stats.js';
import { READ_KINDS } from './clients.js';
import type { HostileOutcome, ReadKind, Sample } from './clients.js';
import type { HostileOptions } from './options.js';
import type { PhaseResult, Settle } from './phases.js';
import type { HostileRequest } from './requests.js';

/** The goal of issue 17: under the hostile clients, every figure within this factor of the baseline's. */
export const GOAL_RATIO = 2;

export type Latency = { count: number; failed: number; p50: number | null; p99: number | null };

export type SideSummary = {
  phases: string[];
  seconds: number;
  ingest: Latency & { callsPerSecond: number; dueP99: number | null };
  reads: Latency;
  readsByKind: Record<ReadKind, Latency>;
  /** `/healthz` (failed: any answer but 200, or none). */
  health: Latency;
  hostile: HostileCounts | null;
};

export type HostileCounts = {
  sent: number;
  answered: number;
  refused: Record<string, number>;
  timedOut: number;
  abandoned: number;
  unfinished: number;
  failed: number;
  answeredP50Ms: number | null;
  /** Per request: sent, answered, and the answered ones' p50 (ms). */
  byRequest: Record<string, { sent: number; answered: number; answeredP50Ms: number | null }>;
};

export type Ratios = { ingestP50: number | null; ingestP99: number | null; readP50: number | null; readP99: number | null };

export type HostileContext = {
  options: HostileOptions;
  build: ApiBuild;
  buildChanged: boolean;
  postgres: { version: string; server: string };
  database: { name: string; reused: boolean; counts: { customers: number; touchpoints: number; transitions: number } };
  costLimit: number;
  requests: HostileRequest[];
  /** Each request sent alone before the phases (answered, in `seconds`) and the next larger one (refused). */
  checks: Array<{
    request: string;
    cost: number;
    seconds: number;
    /** The code it was refused with alone (a time limit), or null when answered. */
    refusedAlone: string | null;
    oneMoreCost: number;
    oneMoreRefusal: string | null;
  }>;
};

function latency(samples: readonly Sample[]): Latency {
  const ok = samples
    .filter((sample) => sample.ok)
    .map((sample) => sample.ms)
    .sort((a, b) => a - b);
  return { count: ok.length, failed: samples.length - ok.length, p50: round(percentile(ok, 50), 1), p99: round(percentile(ok, 99), 1) };
}

function outcomeKey(outcome: HostileOutcome): string {
  return outcome.kind === 'refused' ? outcome.code : outcome.kind;
}

/** Pools the phases of one kind: all their samples as one distribution. */
export function summariseSide(phases: readonly PhaseResult[]): SideSummary {
  const seconds = phases.reduce((sum, phase) => sum + phase.seconds, 0);
  const ingestSamples = phases.flatMap((phase) => phase.ingest);
  const due = ingestSamples
    .filter((sample) => sample.ok)
    .map((sample) => sample.sentAt + sample.ms - sample.dueAt)
    .sort((a, b) => a - b);
  const byKind = (kind: ReadKind) => latency(phases.flatMap((phase) => phase.reads[kind]));
  const readsByKind = { customers: byKind('customers'), timeline: byKind('timeline'), stageOverview: byKind('stageOverview') };
  const hostileSamples = phases.flatMap((phase) => phase.hostile);
  let hostile: HostileCounts | null = null;
  if (phases.some((phase) => phase.kind === 'B')) {
    const refused: Record<string, number> = {};
    const byRequest: HostileCounts['byRequest'] = {};
    for (const sample of hostileSamples) {
      if (sample.outcome.kind === 'refused') refused[outcomeKey(sample.outcome)] = (refused[outcomeKey(sample.outcome)] ?? 0) + 1;
      const entry = (byRequest[sample.request] ??= { sent: 0, answered: 0, answeredP50Ms: null });
      entry.sent += 1;
      if (sample.outcome.kind === 'answered') entry.answered += 1;
    }
    for (const [request, entry] of Object.entries(byRequest)) {
      const answered = hostileSamples
        .filter((sample) => sample.request === request && sample.outcome.kind === 'answered')
        .map((sample) => sample.ms)
        .sort((x, y) => x - y);
      entry.answeredP50Ms = round(percentile(answered, 50), 1);
    }
    const count = (kind: HostileOutcome['kind']) => hostileSamples.filter((sample) => sample.outcome.kind === kind).length;
    const answeredMs = hostileSamples
      .filter((sample) => sample.outcome.kind === 'answered')
      .map((sample) => sample.ms)
      .sort((a, b) => a - b);
    hostile = {
      sent: hostileSamples.length,
      answered: count('answered'),
      refused,
      timedOut: count('timed out'),
      abandoned: count('abandoned'),
      unfinished: count('unfinished'),
      failed: count('failed'),
      answeredP50Ms: round(percentile(answeredMs, 50), 1),
      byRequest,
    };
  }
  const ingest = latency(ingestSamples);
  return {
    phases: phases.map((phase) => phase.label),
    seconds,
    ingest: { ...ingest, callsPerSecond: round(ingest.count / seconds, 2), dueP99: round(percentile(due, 99), 1) },
    reads: latency(phases.flatMap((phase) => READ_KINDS.flatMap((kind) => phase.reads[kind]))),
    readsByKind,
    health: latency(phases.flatMap((phase) => phase.health)),
    hostile,
  };
}

function ratio(b: number | null, a: number | null): number | null {
  return a === null || b === null || a === 0 ? null : round(b / a, 2);
}

export function ratios(a: SideSummary, b: SideSummary): Ratios {
  return {
    ingestP50: ratio(b.ingest.p50, a.ingest.p50),
    ingestP99: ratio(b.ingest.p99, a.ingest.p99),
    readP50: ratio(b.reads.p50, a.reads.p50),
    readP99: ratio(b.reads.p99, a.reads.p99),
  };
}

const ms = (value: number | null) => (value === null ? '–' : formatFixed(value, 1));
const verdict = (value: number | null) => (value === null ? 'n/a' : value <= GOAL_RATIO ? 'ok' : 'OVER');

export function formatHostileReport(
  context: HostileContext,
  phases: readonly PhaseResult[],
  a: SideSummary,
  b: SideSummary,
  r: Ratios,
): string {
  const { options, database } = context;
  const lines: string[] = [];
  lines.push('');
  lines.push(
    `clm hostile benchmark — ${formatInt(database.counts.customers)} customers, ${formatInt(database.counts.touchpoints)} touchpoints, ` +
      `${formatInt(database.counts.transitions)} transitions; PostgreSQL ${context.postgres.version} (${context.postgres.server})`,
  );
  lines.push(describeBuildLine(context.build, context.buildChanged));
  lines.push(
    `phases ${options.phases.join(' ')} × ${options.seconds} s (after ${options.leadInSeconds} s lead-in); ingest ${options.ingestRate} calls/s × ` +
      `${options.batch} touchpoints, ≤ ${options.ingestInFlight} in flight; ${options.readers} readers (pause ${options.readPauseMs} ms); ` +
      `B adds ${options.hostile} READ-key clients; cost limit ${formatInt(context.costLimit)}`,
  );
  const apiEnv = Object.entries(options.apiEnv);
  if (apiEnv.length > 0) lines.push(`API environment: ${apiEnv.map(([name, value]) => `${name}=${value}`).join(' ')}`);
  lines.push('');
  lines.push('hostile requests (cost as priced by the API build; each sent alone, then the next larger one):');
  for (const check of context.checks) {
    const request = context.requests.find((candidate) => candidate.name === check.request);
    lines.push(
      `  ${check.request.padEnd(34)} cost ${pad(formatInt(check.cost), 6)}  ${check.refusedAlone === null ? 'answered' : `refused with ${check.refusedAlone}`} alone in ${formatFixed(check.seconds, 1)} s; ` +
        `one more: ${check.oneMoreCost === 0 ? '(none: every metric is in)' : `cost ${formatInt(check.oneMoreCost)} → ${check.oneMoreRefusal ?? ''}`}`,
    );
    if (request) lines.push(`    ${request.description}`);
  }
  lines.push('');
  lines.push('phase  load   ingest calls/s  ingest p50 / p99 ms   reads  reads p50 / p99 ms   hostile sent / answered');
  for (const phase of phases) {
    const side = summariseSide([phase]);
    lines.push(
      `${phase.label.padEnd(5)} ${pad(formatFixed(phase.loadAverage.start, 1), 5)}  ${pad(formatFixed(side.ingest.callsPerSecond, 1), 14)}  ` +
        `${pad(`${ms(side.ingest.p50)} / ${ms(side.ingest.p99)}`, 19)}  ${pad(formatInt(side.reads.count), 5)}  ` +
        `${pad(`${ms(side.reads.p50)} / ${ms(side.reads.p99)}`, 18)}  ${side.hostile ? `${side.hostile.sent} / ${side.hostile.answered}` : '–'}`,
    );
  }
  lines.push('');
  lines.push('                     A (baseline)         B (hostile)          B ÷ A   goal ≤ 2');
  const row = (name: string, aValue: number | null, bValue: number | null, value: number | null) =>
    `${name.padEnd(20)} ${pad(ms(aValue), 12)} ms      ${pad(ms(bValue), 12)} ms   ${pad(value === null ? '–' : formatFixed(value, 2), 6)}   ${verdict(value)}`;
  lines.push(row('ingest p50', a.ingest.p50, b.ingest.p50, r.ingestP50));
  lines.push(row('ingest p99', a.ingest.p99, b.ingest.p99, r.ingestP99));
  lines.push(row('read p50', a.reads.p50, b.reads.p50, r.readP50));
  lines.push(row('read p99', a.reads.p99, b.reads.p99, r.readP99));
  for (const kind of READ_KINDS)
    lines.push(
      `  ${kind.padEnd(18)} ${pad(`${ms(a.readsByKind[kind].p50)} / ${ms(a.readsByKind[kind].p99)}`, 15)}   ${pad(`${ms(b.readsByKind[kind].p50)} / ${ms(b.readsByKind[kind].p99)}`, 15)}   (p50 / p99 ms)`,
    );
  lines.push(
    `ingest calls/s: A ${formatFixed(a.ingest.callsPerSecond, 1)}, B ${formatFixed(b.ingest.callsPerSecond, 1)} (asked ${options.ingestRate}); ` +
      `due → answered p99: A ${ms(a.ingest.dueP99)} ms, B ${ms(b.ingest.dueP99)} ms; failed calls: A ${a.ingest.failed}, B ${b.ingest.failed}; failed reads: A ${a.reads.failed}, B ${b.reads.failed}`,
  );
  lines.push(
    `/healthz p50 / p99: A ${ms(a.health.p50)} / ${ms(a.health.p99)} ms, B ${ms(b.health.p50)} / ${ms(b.health.p99)} ms; ` +
      `not 200: A ${a.health.failed} of ${a.health.count + a.health.failed}, B ${b.health.failed} of ${b.health.count + b.health.failed}`,
  );
  if (b.hostile) {
    const h = b.hostile;
    const refused = Object.entries(h.refused)
      .map(([code, count]) => `${code} ${count}`)
      .join(', ');
    lines.push(
      `hostile requests in B: ${h.sent} sent, ${h.answered} answered (p50 ${ms(h.answeredP50Ms)} ms), refused ${refused || '0'}, ` +
        `${h.timedOut} timed out (> ${options.hostileTimeoutMs} ms), ${h.abandoned} abandoned by the disconnecting client, ` +
        `${h.unfinished} still running at the end of the phase, ${h.failed} failed`,
    );
    for (const [request, counts] of Object.entries(h.byRequest))
      lines.push(
        `  ${request.padEnd(34)} ${counts.sent} sent, ${counts.answered} answered${counts.answered > 0 ? ` (p50 ${ms(counts.answeredP50Ms)} ms)` : ''}`,
      );
  }
  const settles = phases.flatMap((phase) => (phase.settle ? [[phase.label, phase.settle] as const] : []));
  for (const [label, settle] of settles) lines.push(`after ${label}: ${formatSettle(settle)}`);
  lines.push('');
  return lines.join('\n');
}

function formatSettle(settle: Settle): string {
  if (settle.runningAtStop === 0) return 'no statement of clm was still running (> 1 s) when the clients left';
  return `${settle.runningAtStop} statements of clm still running (> 1 s) when the clients left; none after ${
    settle.secondsUntilNone === null ? 'more than 120' : settle.secondsUntilNone
  } s`;
}
