import os from 'node:os';
import type { ApiBuild } from '../shared/api-build.js';
import { describeBuildLine } from '../shared/api-build.js';
import { formatFixed, formatInt, pad, round } from '../shared/stats.js';
import type { FanoutOptions } from './options.js';
import { throughput } from './phases.js';
import type { PhaseResult } from './phases.js';

/** Both systems' steady (latency) and burst (throughput) phases. */
export type SystemResult = { steady: PhaseResult; burst: PhaseResult };

export type FanoutContext = {
  options: FanoutOptions;
  build: ApiBuild;
  buildChanged: boolean;
  postgres: { version: string; server: string };
  events: { steady: number; burst: number };
};

/** The ratios the goal is stated in. */
export function fanoutRatios(clm: SystemResult, floor: SystemResult) {
  return {
    p99VsFloor: (clm.steady.times.p99 ?? NaN) / (floor.steady.times.p99 ?? NaN),
    throughputOfFloor: throughput(clm.burst) / throughput(floor.burst),
  };
}

const ms = (value: number | null) => (value === null ? '-' : formatFixed(value, 1));

function phaseLine(name: string, phase: PhaseResult): string {
  const { times } = phase;
  return `  ${pad(name, 26)}${pad(formatInt(times.deliveries), 11)}${pad(ms(times.p50), 9)}${pad(ms(times.p99), 9)}${pad(ms(times.max), 9)}${pad(formatInt(throughput(phase)), 12)}\n`;
}

export function formatFanoutReport(clm: SystemResult, floor: SystemResult, context: FanoutContext): string {
  const { options } = context;
  const ratios = fanoutRatios(clm, floor);
  const subscriptions = options.unfiltered + options.filtered;
  return (
    `\nbench/fanout — ${describeBuildLine(context.build, context.buildChanged)}\n` +
    `  machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}; PostgreSQL ${context.postgres.version} (${context.postgres.server})\n` +
    `  ${formatInt(subscriptions)} subscriptions (${formatInt(options.unfiltered)} unfiltered, ${formatInt(options.filtered)} with a stages filter) on ${options.connections} connections in a separate process\n` +
    `  steady: ${options.rate} transitions/s for ${options.seconds} s (${formatInt(context.events.steady)} transitions); burst: ${options.burstBatches} batches of ${options.burstCustomersPerBatch} customers back to back (${formatInt(context.events.burst)} transitions)\n` +
    `  latency = receive time in the client − ingest response time of the batch (floor: − the time the bench handed it the batch)\n\n` +
    `  ${pad('phase', 26)}${pad('delivered', 11)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('max ms', 9)}${pad('per second', 12)}\n` +
    phaseLine('clm steady', clm.steady) +
    phaseLine('floor (bare ws) steady', floor.steady) +
    phaseLine('clm burst', clm.burst) +
    phaseLine('floor (bare ws) burst', floor.burst) +
    `\n  every subscription received exactly its events, in log order, on both systems (checked against the database)\n` +
    `  ratio clm p99 ÷ floor p99 (steady):            ${formatFixed(ratios.p99VsFloor, 2)}   (goal: clm p99 < 100 ms; it is ${ms(clm.steady.times.p99)} ms)\n` +
    `  ratio clm throughput ÷ floor throughput (burst): ${formatFixed(ratios.throughputOfFloor, 2)}   (goal: ≥ 0.5)\n`
  );
}

export function fanoutResult(clm: SystemResult, floor: SystemResult, context: FanoutContext) {
  const summary = (phase: PhaseResult) => ({ ...phase.times, startedAt: undefined, deliveriesPerSecond: round(throughput(phase), 0) });
  return {
    benchmark: 'fanout',
    timestamp: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model ?? null,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
    },
    options: context.options,
    build: context.build,
    buildChanged: context.buildChanged,
    postgres: context.postgres,
    events: context.events,
    clm: { steady: summary(clm.steady), burst: summary(clm.burst) },
    floor: { steady: summary(floor.steady), burst: summary(floor.burst) },
    ratios: fanoutRatios(clm, floor),
  };
}
