import os from 'node:os';
import { log } from '../shared/cli.js';
import { withClient } from '../shared/postgres.js';
import { round } from '../shared/stats.js';
import { hostileRoles, runHealthProbe, runHostile, runIngest, runReader } from './clients.js';
import type { Endpoint, HostileRole, HostileSample, IngestPlan, IngestSample, ReadKind, Sample } from './clients.js';
import type { HostileOptions } from './options.js';
import type { HostileRequest } from './requests.js';

/** What one phase saw inside its measured window (requests sent in it). */
export type PhaseResult = {
  label: string;
  kind: 'A' | 'B';
  seconds: number;
  loadAverage: { start: number; end: number };
  ingest: IngestSample[];
  reads: Record<ReadKind, Sample[]>;
  hostile: HostileSample[];
  /** `/healthz`, polled every HEALTH_INTERVAL_MS. */
  health: Sample[];
  /** After a hostile phase: database statements of clm still running once every client had left. */
  settle: Settle | null;
};

export type Settle = {
  /** Statements active for over a second when the clients had left. */
  runningAtStop: number;
  /** Seconds until none was (null: still some at the limit). */
  secondsUntilNone: number | null;
};

export type PhaseSetup = {
  options: HostileOptions;
  databaseUrl: string;
  baseUrl: string;
  ingest: Endpoint;
  reader: Endpoint;
  /** One READ key per hostile client. */
  hostileKeys: readonly string[];
  /** The requests each role sends in turn. */
  requests: Record<HostileRole, readonly HostileRequest[]>;
  customerIds: readonly string[];
  runId: string;
};

const SETTLE_LIMIT_MS = 120_000;
const HEALTH_INTERVAL_MS = 250;

/** Runs phase `label` of `kind`: the clients for lead-in + measured seconds, then stops them all at once. */
export async function runPhase(setup: PhaseSetup, label: string, kind: 'A' | 'B', index: number): Promise<PhaseResult> {
  const { options } = setup;
  const loadStart = os.loadavg()[0];
  log(
    `phase ${label} (${kind === 'A' ? 'baseline' : `hostile: ${options.hostile} READ-key clients`}), load average ${round(loadStart, 1)}`,
  );
  const stop = new AbortController();
  const plan: IngestPlan = {
    rate: options.ingestRate,
    batch: options.batch,
    inFlight: options.ingestInFlight,
    customers: options.customers,
  };
  const ingest = runIngest(setup.ingest, plan, `${setup.runId}-${label}`, 1000 + index, stop.signal);
  const readers = Array.from({ length: options.readers }, (_, reader) =>
    runReader(setup.reader, setup.customerIds, options.readPauseMs, 100 * index + reader, stop.signal),
  );
  const health = runHealthProbe(setup.baseUrl, HEALTH_INTERVAL_MS, stop.signal);
  const hostile =
    kind === 'B'
      ? hostileRoles(options.hostile).map((role, client) =>
          runHostile(
            { url: setup.ingest.url, key: setup.hostileKeys[client] },
            rotate(setup.requests[role], client),
            { timeoutMs: options.hostileTimeoutMs, abandonAfterMs: role === 'disconnect' ? options.abandonAfterMs : null },
            stop.signal,
          ),
        )
      : [];
  const windowStart = performance.now() + options.leadInSeconds * 1000;
  const windowEnd = windowStart + options.seconds * 1000;
  await new Promise((resolve) => setTimeout(resolve, windowEnd - performance.now()));
  stop.abort();
  const settle = kind === 'B' ? await settleAfterStop(setup.databaseUrl) : null;
  const inWindow = <T extends { sentAt: number }>(samples: T[]) =>
    samples.filter((sample) => sample.sentAt >= windowStart && sample.sentAt < windowEnd);
  const readSamples = await Promise.all(readers);
  const merged = (read: ReadKind) => inWindow(readSamples.flatMap((samples) => samples[read]));
  const reads = { customers: merged('customers'), timeline: merged('timeline'), stageOverview: merged('stageOverview') };
  return {
    label,
    kind,
    seconds: options.seconds,
    loadAverage: { start: loadStart, end: os.loadavg()[0] },
    ingest: inWindow(await ingest),
    reads,
    hostile: inWindow((await Promise.all(hostile)).flat()),
    health: inWindow(await health),
    settle,
  };
}

/** The client's requests starting at a different one for each client, so clients of a role do not all send the same. */
function rotate<T>(list: readonly T[], by: number): T[] {
  return list.map((_, index) => list[(index + by) % list.length]);
}

/**
 * Counts clm's statements still running (active over a second) in the
 * database right after the hostile clients left, and waits until there are
 * none: work that outlives its client shows here.
 */
async function settleAfterStop(databaseUrl: string): Promise<Settle> {
  return withClient(databaseUrl, async (client) => {
    const running = async () =>
      Number(
        (
          await client.query<{ n: string }>(
            `SELECT count(*) AS n FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'
                AND backend_type = 'client backend' AND now() - query_start > interval '1 second'`,
          )
        ).rows[0].n,
      );
    const started = performance.now();
    const runningAtStop = await running();
    let now = runningAtStop;
    while (now > 0 && performance.now() - started < SETTLE_LIMIT_MS) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      now = await running();
    }
    const secondsUntilNone = now === 0 ? round((performance.now() - started) / 1000, 2) : null;
    if (runningAtStop > 0)
      log(`  ${runningAtStop} statements were still running when the clients left; none after ${secondsUntilNone ?? '> 120'} s`);
    return { runningAtStop, secondsUntilNone };
  });
}
