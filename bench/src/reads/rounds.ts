import { log } from '../shared/cli.js';
import { runLoad } from './load.js';
import type { LoadRun } from './load.js';
import { READ_QUERIES } from './queries.js';
import type { QueryName } from './queries.js';
import type { Endpoint, RequestPlan, System } from './requests.js';

export type RoundsSpec = { concurrency: number; seconds: number; rounds: number; warmupSeconds: number };

/** Every timed run, by query and system, in round order. */
export type Measurements = Map<QueryName, Record<System, LoadRun[]>>;

const LEAD_SECONDS = 1;

/**
 * Warm-up (every query on both systems, untimed), then `rounds` rounds of
 * every query on both systems; which system goes first alternates by round,
 * so slow drifts of a shared machine hit both alike.
 */
export async function runRounds(plan: RequestPlan, endpoints: Record<System, Endpoint>, spec: RoundsSpec): Promise<Measurements> {
  const measurements: Measurements = new Map();
  if (spec.warmupSeconds > 0) {
    for (const [name, bodies] of plan) {
      for (const system of ['clm', 'floor'] as const) {
        log(`warm-up: ${READ_QUERIES[name].title} on ${system}, ${spec.warmupSeconds} s`);
        await timedRun(endpoints[system], bodies[system], spec, spec.warmupSeconds, name, system);
      }
    }
  }
  for (let round = 0; round < spec.rounds; round++) {
    const order: System[] = round % 2 === 0 ? ['clm', 'floor'] : ['floor', 'clm'];
    for (const [name, bodies] of plan) {
      const runs = measurements.get(name) ?? { clm: [], floor: [] };
      measurements.set(name, runs);
      for (const system of order) {
        const run = await timedRun(endpoints[system], bodies[system], spec, spec.seconds, name, system);
        runs[system].push(run);
        log(
          `round ${round + 1}/${spec.rounds}: ${READ_QUERIES[name].title} on ${system}: ${(run.requests / run.windowSeconds).toFixed(1)} req/s`,
        );
      }
    }
  }
  return measurements;
}

/** One run; fails on any bad answer, then waits for abandoned in-flight requests to drain. */
async function timedRun(
  endpoint: Endpoint,
  bodies: string[],
  spec: RoundsSpec,
  seconds: number,
  name: QueryName,
  system: System,
): Promise<LoadRun> {
  const run = await runLoad({
    url: endpoint.url,
    key: endpoint.key,
    bodies,
    connections: spec.concurrency,
    leadSeconds: LEAD_SECONDS,
    seconds,
    pid: endpoint.pid,
  });
  if (run.failures > 0)
    throw new Error(`${READ_QUERIES[name].title} on ${system}: ${run.failures} failed requests; first: ${run.firstFailure}`);
  const slowest = run.latencies.at(-1) ?? 1000;
  await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, slowest + 250)));
  return run;
}
