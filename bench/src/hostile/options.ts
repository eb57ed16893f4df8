import path from 'node:path';
import { parseArgs } from 'node:util';
import { fail, intFlag } from '../shared/cli.js';
import { DEFAULT_API_DIST } from '../shared/paths.js';

export type HostileOptions = {
  customers: number;
  touchpoints: number;
  seed: number;
  /** Measured seconds of each phase (after its lead-in). */
  seconds: number;
  /** Unmeasured seconds at the start of each phase, so the hostile clients are all busy when measuring starts. */
  leadInSeconds: number;
  /** recordTouchpoints calls per second. */
  ingestRate: number;
  /** Touchpoints per call. */
  batch: number;
  /** Ingest calls in flight at most. */
  ingestInFlight: number;
  /** Clients sending ordinary reads, one at a time each. */
  readers: number;
  /** Pause of each reader between its answer and its next request. */
  readPauseMs: number;
  /** READ-key clients sending the most expensive previews and metrics. */
  hostile: number;
  /** A hostile request not answered after this long is abandoned and counted as timed out. */
  hostileTimeoutMs: number;
  /** The disconnecting client leaves each request after this long. */
  abandonAfterMs: number;
  /** Phases in order, each A (baseline) or B (hostile). */
  phases: Array<'A' | 'B'>;
  apiDist: string;
  /** Extra environment variables of the API process (--api-env NAME=VALUE), to measure other limits. */
  apiEnv: Record<string, string>;
};

export const HOSTILE_HELP = `usage: npm run hostile -w @clm/bench -- [options]     (or node bench/dist/hostile.js)
  --customers N            customers in the dataset (default 50000)
  --touchpoints N          touchpoints in the dataset (default 500000)
  --seed N                 dataset PRNG seed (default 42)
  --seconds N              measured seconds per phase (default 30)
  --lead-in N              unmeasured seconds at the start of each phase (default 5)
  --ingest-rate N          recordTouchpoints calls per second (default 20)
  --batch N                touchpoints per call (default 100)
  --ingest-in-flight N     calls in flight at most; a due call waits for a free one (default 2)
  --readers N              clients sending ordinary reads one at a time (default 3)
  --read-pause-ms N        each reader's pause between an answer and its next request (default 50)
  --hostile N              READ-key clients sending the costliest previews and metrics the limit allows (default 10)
  --hostile-timeout-ms N   a hostile request unanswered after this long is abandoned, counted as timed out (default 60000)
  --abandon-after-ms N     the disconnecting hostile client leaves each request after this long (default 300)
  --phases ABBA            the order of baseline (A) and hostile (B) phases (default ABBA: machine drift hits both)
  --api-dist DIR           the API build to measure (default apps/api/dist)
  --api-env NAME=VALUE     an environment variable of the API process, e.g. CLM_EXPENSIVE_PER_INSTANCE=1 (repeatable)
DATABASE_URL: use this PostgreSQL server (a scratch database is created there); else an embedded one.
`;

export function parseHostileOptions(): HostileOptions {
  const { values } = parseArgs({
    options: {
      customers: { type: 'string', default: '50000' },
      touchpoints: { type: 'string', default: '500000' },
      seed: { type: 'string', default: '42' },
      seconds: { type: 'string', default: '30' },
      'lead-in': { type: 'string', default: '5' },
      'ingest-rate': { type: 'string', default: '20' },
      batch: { type: 'string', default: '100' },
      'ingest-in-flight': { type: 'string', default: '2' },
      readers: { type: 'string', default: '3' },
      'read-pause-ms': { type: 'string', default: '50' },
      hostile: { type: 'string', default: '10' },
      'hostile-timeout-ms': { type: 'string', default: '60000' },
      'abandon-after-ms': { type: 'string', default: '300' },
      phases: { type: 'string', default: 'ABBA' },
      'api-dist': { type: 'string', default: DEFAULT_API_DIST },
      'api-env': { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HOSTILE_HELP);
    process.exit(0);
  }
  const options: HostileOptions = {
    customers: intFlag('customers', values.customers),
    touchpoints: intFlag('touchpoints', values.touchpoints),
    seed: intFlag('seed', values.seed),
    seconds: intFlag('seconds', values.seconds),
    leadInSeconds: intFlag('lead-in', values['lead-in'], 0),
    ingestRate: intFlag('ingest-rate', values['ingest-rate']),
    batch: intFlag('batch', values.batch),
    ingestInFlight: intFlag('ingest-in-flight', values['ingest-in-flight']),
    readers: intFlag('readers', values.readers),
    readPauseMs: intFlag('read-pause-ms', values['read-pause-ms'], 0),
    hostile: intFlag('hostile', values.hostile),
    hostileTimeoutMs: intFlag('hostile-timeout-ms', values['hostile-timeout-ms']),
    abandonAfterMs: intFlag('abandon-after-ms', values['abandon-after-ms']),
    phases: parsePhases(values.phases),
    apiDist: path.resolve(values['api-dist']),
    apiEnv: parseApiEnv(values['api-env']),
  };
  if (options.touchpoints < options.customers) fail('--touchpoints must be at least --customers (every customer has a touchpoint)');
  if (options.batch > 1000) fail('--batch must be at most 1000 (the API refuses larger batches)');
  return options;
}

function parsePhases(raw: string): Array<'A' | 'B'> {
  const phases = [...raw.toUpperCase()];
  if (!phases.includes('A') || !phases.includes('B') || phases.some((phase) => phase !== 'A' && phase !== 'B'))
    fail(`--phases must be a sequence of A and B holding both, got "${raw}"`);
  return phases.filter((phase): phase is 'A' | 'B' => phase === 'A' || phase === 'B');
}

function parseApiEnv(entries: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of entries) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(entry);
    if (!match) fail(`--api-env must be NAME=VALUE with an upper-case name, got "${entry}"`);
    env[match[1]] = match[2];
  }
  return env;
}
