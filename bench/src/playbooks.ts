/**
 * Playbooks benchmark, in-process against the API build on a scratch
 * database:
 *
 * 1. Ingest with the five presets turned on ÷ ingest with no playbooks: the
 *    same number of touchpoints (new customers signing up, logging in and
 *    buying) recorded through IngestService in batches of 500, then every
 *    projection caught up (the playbooks projection records the hits) and the
 *    schedule run once (the hits due are decided and fired). Phases alternate
 *    off, on, off, on on fresh customers, so drift on a loaded machine falls
 *    on both sides.
 * 2. A schedule run that finds nothing new (listing the playbooks, the
 *    stuck-in-engagement scan over every customer, the due hits) ÷ the bare
 *    SELECT of the customers stuck in engagement (the floor: what PostgreSQL
 *    itself needs to find them).
 *
 * Needs the API built (apps/api/dist, or --api-dist). Usage:
 *   npm run playbooks -w @clm/bench -- [--touchpoints N] [--runs N] [--api-dist DIR]
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as ApiServices from '@clm/api/server/services';
import type * as DataSource from '@clm/api/database/data-source';
import { requireApiBuild } from './shared/api-process.js';
import { runBenchmark } from './shared/cleanup.js';
import type { Cleanup } from './shared/cleanup.js';
import { fail, intFlag, log } from './shared/cli.js';
import { DEFAULT_API_DIST } from './shared/paths.js';
import { createDatabase, databaseUrl, dropDatabase, openServer, withClient } from './shared/postgres.js';
import { median, round } from './shared/stats.js';

type Options = { touchpoints: number; runs: number; apiDist: string };
type Services = Awaited<ReturnType<typeof ApiServices.createServices>>;

const BATCH = 500;
/** Each customer's touchpoints, a day apart: a visit, a sign-up, two logins, two purchases. */
const JOURNEY = ['page_view', 'signup', 'login', 'login', 'purchase', 'purchase'];
const DAY = 86_400_000;

function loadDist(apiDist: string): { services: typeof ApiServices; dataSource: typeof DataSource } {
  const require = createRequire(pathToFileURL(path.join(apiDist, 'package.json')));
  require('reflect-metadata');
  return {
    services: require(path.join(apiDist, 'server/services.js')) as typeof ApiServices,
    dataSource: require(path.join(apiDist, 'database/data-source.js')) as typeof DataSource,
  };
}

/** Records `count` touchpoints of fresh customers (prefix `phase`), caught up and the schedule run: milliseconds. */
async function ingestPhase(services: Services, phase: string, count: number): Promise<number> {
  const now = Date.now();
  const items = Array.from({ length: count }, (_, index) => {
    const customer = Math.floor(index / JOURNEY.length);
    const step = index % JOURNEY.length;
    // Every third customer never buys and stays in engagement (what the stuck-in-engagement preset looks for).
    const type = customer % 3 === 0 && JOURNEY[step] === 'purchase' ? 'feature_used' : JOURNEY[step];
    return {
      messageId: `${phase}-${index}`,
      customer: { externalId: `${phase}-c${customer}` },
      type,
      channel: 'web',
      occurredAt: new Date(now - (JOURNEY.length - step) * DAY).toISOString(),
      value: type === 'purchase' ? 25 : null,
    };
  });
  const started = performance.now();
  for (let offset = 0; offset < items.length; offset += BATCH) {
    const results = await services.ingest.record(items.slice(offset, offset + BATCH), (index) => `touchpoints[${index}]`);
    const rejected = results.find((result) => result.status === 'REJECTED');
    if (rejected) fail(`ingest rejected an item: ${JSON.stringify(rejected)}`);
  }
  await services.projector.catchUp(600_000);
  await services.playbookRunner.run();
  return performance.now() - started;
}

async function run(options: Options, cleanup: Cleanup): Promise<void> {
  requireApiBuild(options.apiDist);
  const dist = loadDist(options.apiDist);
  if (!process.env.DATABASE_URL) log('starting an embedded PostgreSQL (set DATABASE_URL to use your own server)');
  const server = await openServer();
  cleanup.push(() => server.stop());
  const name = `clm_bench_playbooks_${randomBytes(4).toString('hex')}`;
  const url = databaseUrl(server.url, name);
  await createDatabase(server.url, name);
  cleanup.push(() => dropDatabase(server.url, name));
  await dist.dataSource.migrate(url);
  const services = await dist.services.createServices({ url, poolSize: 4, onError: (error) => log(`background error: ${String(error)}`) });
  cleanup.push(() => services.stop());

  const lines: string[] = [];
  lines.push(`playbooks: ${options.touchpoints.toLocaleString('en-US')} touchpoints per phase, ${options.runs} pairs of phases (off, on)`);
  const off: number[] = [];
  const on: number[] = [];
  await ingestPhase(services, 'warm', Math.min(3000, options.touchpoints)); // plans, caches, the first projection steps
  for (let pair = 0; pair < options.runs; pair++) {
    for (const playbook of await services.playbooks.list()) await services.playbooks.delete(playbook.id);
    off.push(await ingestPhase(services, `off${pair}`, options.touchpoints));
    for (const preset of await services.playbooks.presets()) await services.playbooks.create({ ...preset.input, enabled: true }, 'bench');
    on.push(await ingestPhase(services, `on${pair}`, options.touchpoints));
  }
  const [firings] = await withClient(
    url,
    async (client) => (await client.query<{ n: string }>(`SELECT count(*) AS n FROM playbook_firings`)).rows,
  );
  const offMs = median(off) ?? 0;
  const onMs = median(on) ?? 0;
  lines.push(
    `ingest + projections + schedule | off p50 ${round(offMs, 0)} ms | on (5 presets) p50 ${round(onMs, 0)} ms | on ÷ off ${round(onMs / offMs, 3)}`,
  );
  lines.push(
    `  touchpoints/s | off ${round((options.touchpoints / offMs) * 1000, 0)} | on ${round((options.touchpoints / onMs) * 1000, 0)} | firings in all ${firings.n}`,
  );

  // The scan of time triggers: a run finding nothing new (every hit already recorded) against the bare SELECT.
  const customers = await withClient(url, async (client) =>
    Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM customers`)).rows[0].n),
  );
  const asOf = new Date(Date.now() + 30 * DAY);
  await services.playbookRunner.run(asOf);
  const scans: number[] = [];
  const floors: number[] = [];
  await withClient(url, async (client) => {
    for (let attempt = 0; attempt < 8; attempt++) {
      const started = performance.now();
      await services.playbookRunner.run(asOf);
      const scanned = performance.now();
      await client.query(
        `SELECT c.id, c.stage_entered_at FROM customers c WHERE c.stage = 'engagement' AND c.stage_entered_at <= $1::timestamptz - interval '14 days'`,
        [asOf],
      );
      const floored = performance.now();
      if (attempt >= 3) {
        scans.push(scanned - started);
        floors.push(floored - scanned);
      }
    }
  });
  const scanMs = median(scans) ?? 0;
  const floorMs = median(floors) ?? 0;
  lines.push(
    `schedule run, nothing new, ${customers.toLocaleString('en-US')} customers | p50 ${round(scanMs, 1)} ms | bare SELECT p50 ${round(floorMs, 1)} ms | ÷ ${round(scanMs / floorMs, 2)}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

function parseOptions(argv: string[]): Options {
  const options: Options = { touchpoints: 12_000, runs: 3, apiDist: DEFAULT_API_DIST };
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index];
    const value = () => argv[++index] ?? fail(`${flag} needs a value`);
    if (flag === '--touchpoints') options.touchpoints = intFlag('touchpoints', value());
    else if (flag === '--runs') options.runs = intFlag('runs', value());
    else if (flag === '--api-dist') options.apiDist = path.resolve(value());
    else fail(`unknown flag ${flag}`);
  }
  return options;
}

runBenchmark((cleanup) => run(parseOptions(process.argv.slice(2)), cleanup));
