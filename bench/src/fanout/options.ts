import path from 'node:path';
import { parseArgs } from 'node:util';
import { fail, intFlag } from '../shared/cli.js';
import { DEFAULT_API_DIST } from '../shared/paths.js';
import { TRANSITIONS_PER_CUSTOMER } from './workload.js';

export type FanoutOptions = {
  unfiltered: number;
  filtered: number;
  connections: number;
  rate: number;
  seconds: number;
  customersPerBatch: number;
  burstBatches: number;
  burstCustomersPerBatch: number;
  apiDist: string;
  cpuProfDir: string | null;
};

export const FANOUT_HELP = `usage: npm run fanout -w @clm/bench -- [options]     (or node bench/dist/fanout.js)
  --unfiltered N           stageTransitions subscriptions without a filter (default 1000)
  --filtered N             subscriptions with a stages: filter, five different filters in turn (default 100)
  --connections N          graphql-ws connections carrying them, round-robin (default 20)
  --rate N                 transitions per second ingested in the steady phase (default 40)
  --seconds N              length of the steady phase (default 10)
  --customers-per-batch N  new customers per recordTouchpoints call in the steady phase; each makes ${TRANSITIONS_PER_CUSTOMER} transitions (default 1)
  --burst N                batches sent back to back (two in flight) in the throughput phase (default 20)
  --burst-customers N      new customers per batch of the burst (default 5)
  --api-dist DIR           the API build to measure (default apps/api/dist)
  --cpu-prof DIR           run the API under node --cpu-prof, writing the profile to DIR
DATABASE_URL: use this PostgreSQL server (a scratch database is created there); else an embedded one.
`;

export function parseFanoutOptions(): FanoutOptions {
  const { values } = parseArgs({
    options: {
      unfiltered: { type: 'string', default: '1000' },
      filtered: { type: 'string', default: '100' },
      connections: { type: 'string', default: '20' },
      rate: { type: 'string', default: '40' },
      seconds: { type: 'string', default: '10' },
      'customers-per-batch': { type: 'string', default: '1' },
      burst: { type: 'string', default: '20' },
      'burst-customers': { type: 'string', default: '5' },
      'api-dist': { type: 'string', default: DEFAULT_API_DIST },
      'cpu-prof': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(FANOUT_HELP);
    process.exit(0);
  }
  const options: FanoutOptions = {
    unfiltered: intFlag('unfiltered', values.unfiltered),
    filtered: intFlag('filtered', values.filtered, 0),
    connections: intFlag('connections', values.connections),
    rate: intFlag('rate', values.rate),
    seconds: intFlag('seconds', values.seconds),
    customersPerBatch: intFlag('customers-per-batch', values['customers-per-batch']),
    burstBatches: intFlag('burst', values.burst),
    burstCustomersPerBatch: intFlag('burst-customers', values['burst-customers']),
    apiDist: path.resolve(values['api-dist']),
    cpuProfDir: values['cpu-prof'] ? path.resolve(values['cpu-prof']) : null,
  };
  if (options.connections > options.unfiltered + options.filtered) fail('--connections must not exceed the number of subscriptions');
  return options;
}
