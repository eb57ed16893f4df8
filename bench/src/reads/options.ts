import path from 'node:path';
import { parseArgs } from 'node:util';
import { fail, intFlag } from '../shared/cli.js';
import { DEFAULT_API_DIST } from '../shared/paths.js';
import { QUERY_NAMES } from './queries.js';
import type { QueryName } from './queries.js';

export type ReadsOptions = {
  customers: number;
  touchpoints: number;
  seed: number;
  concurrency: number;
  seconds: number;
  rounds: number;
  warmupSeconds: number;
  queries: QueryName[];
  keep: boolean;
  apiDist: string;
  statementRequests: number;
  poolSize: number;
  /** Write a CPU profile of the timed API (node --cpu-prof) into this folder. */
  cpuProfDir: string | null;
};

export const READS_HELP = `usage: npm run reads -w @clm/bench -- [options]     (or node bench/dist/reads.js)
  --customers N           customers in the dataset (default 100000)
  --touchpoints N         touchpoints in the dataset (default 1000000; transitions follow from the lifecycle rules)
  --seed N                dataset PRNG seed (default 42)
  --concurrency N         connections, each with one request in flight (default 20)
  --seconds N             measured seconds per query, system and round (default 5; each run has a 1 s lead-in first)
  --rounds N              rounds; each runs every query on both systems, alternating which goes first (default 3)
  --warmup N              seconds of untimed load per query and system before the first round (default 3)
  --queries a,b           subset of ${QUERY_NAMES.join(', ')} (default all)
  --keep                  keep the loaded database (and the embedded server's data in .clm/bench-postgres) and reuse
                          it on the next run with the same --customers, --touchpoints and --seed
  --api-dist DIR          the API build to measure (default apps/api/dist)
  --statement-requests N  requests per query when counting SQL statements (default 20)
  --pool-size N           database connections of the API (CLM_POOL_SIZE) and of the floor (default 10)
  --cpu-prof DIR          write a CPU profile of the timed API process (node --cpu-prof) into DIR
DATABASE_URL: use this PostgreSQL server (a scratch database is created there); else an embedded one.
`;

export function parseReadsOptions(): ReadsOptions {
  const { values } = parseArgs({
    options: {
      customers: { type: 'string', default: '100000' },
      touchpoints: { type: 'string', default: '1000000' },
      seed: { type: 'string', default: '42' },
      concurrency: { type: 'string', default: '20' },
      seconds: { type: 'string', default: '5' },
      rounds: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '3' },
      queries: { type: 'string', default: QUERY_NAMES.join(',') },
      keep: { type: 'boolean', default: false },
      'api-dist': { type: 'string', default: DEFAULT_API_DIST },
      'statement-requests': { type: 'string', default: '20' },
      'pool-size': { type: 'string', default: '10' },
      'cpu-prof': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(READS_HELP);
    process.exit(0);
  }
  const options: ReadsOptions = {
    customers: intFlag('customers', values.customers),
    touchpoints: intFlag('touchpoints', values.touchpoints),
    seed: intFlag('seed', values.seed),
    concurrency: intFlag('concurrency', values.concurrency),
    seconds: intFlag('seconds', values.seconds),
    rounds: intFlag('rounds', values.rounds),
    warmupSeconds: intFlag('warmup', values.warmup, 0),
    queries: parseQueries(values.queries),
    keep: values.keep,
    apiDist: path.resolve(values['api-dist']),
    statementRequests: intFlag('statement-requests', values['statement-requests']),
    poolSize: intFlag('pool-size', values['pool-size']),
    cpuProfDir: values['cpu-prof'] ? path.resolve(values['cpu-prof']) : null,
  };
  if (options.touchpoints < options.customers) fail('--touchpoints must be at least --customers (every customer has a touchpoint)');
  if (options.customers < 1000) fail('--customers must be at least 1000 (Q1 page 50 needs 1,000 customers)');
  return options;
}

function parseQueries(raw: string): QueryName[] {
  const names = raw.split(',').map((name) => name.trim().toLowerCase());
  const known: readonly string[] = QUERY_NAMES;
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) fail(`--queries: unknown ${unknown.join(', ')} (known: ${QUERY_NAMES.join(', ')})`);
  return QUERY_NAMES.filter((name) => names.includes(name));
}
