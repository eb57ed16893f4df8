/**
 * Reads A-B benchmark: two API builds (a base and the build under test) and
 * the floor serve the reads benchmark's queries at once, each build on its
 * own copy of one kept dataset whose projections have caught up, in
 * interleaved batches (base, test, floor, in an order that rotates every
 * batch), so a shared machine's drift hits all three alike. Prints, per
 * query, each build's median req/s ÷ the floor's median (clm ÷ floor, as the
 * reads benchmark), the median ratio of the batches next to each other, and
 * each server's median CPU ms per request and the median ratio of the two
 * builds' CPU per request in batches next to each other, which a loaded
 * machine disturbs least.
 *
 * Needs both builds built. See bench/README.md (reads → A-B of two builds).
 */
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import path from 'node:path';
import { generateAdminKey, requireApiBuild, startApi } from './shared/api-process.js';
import { runBenchmark } from './shared/cleanup.js';
import type { Cleanup } from './shared/cleanup.js';
import { fail, intFlag, log } from './shared/cli.js';
import { DEFAULT_API_DIST } from './shared/paths.js';
import { databaseUrl, dropDatabase, openServer, withClient } from './shared/postgres.js';
import { formatFixed, median, pad } from './shared/stats.js';
import { waitForProjections } from './shared/projections.js';
import { startFloor } from './reads/floor-process.js';
import { prepareDatasetDatabase } from './reads/dataset-database.js';
import { runLoad } from './reads/load.js';
import { QUERY_NAMES, READ_QUERIES } from './reads/queries.js';
import type { QueryName } from './reads/queries.js';
import { planRequests } from './reads/requests.js';

type Options = {
  baseDist: string;
  apiDist: string;
  customers: number;
  touchpoints: number;
  seed: number;
  queries: QueryName[];
  batches: number;
  seconds: number;
  concurrency: number;
  /** Profile both APIs (node --cpu-prof) into DIR/base and DIR/test. */
  cpuProfDir: string | null;
  /** NODE_OPTIONS of the build under test only (a runtime flag measured against the same build without it). */
  testNodeOptions: string | null;
};

const HELP = `usage: npm run reads-ab -w @clm/bench -- --base DIR [options]
  --base DIR        the base API build (its dist folder); it migrates and loads the kept dataset
  --api-dist DIR    the API build under test (default apps/api/dist); it runs on a copy of that dataset
  --customers N     customers in the dataset (default 50000)
  --touchpoints N   touchpoints (default 500000)
  --seed N          dataset seed (default 42)
  --queries a,b     subset of ${QUERY_NAMES.join(', ')} (default q1,q2,q3)
  --batches N       batches per build and query, in the order A B B A … (default 8)
  --seconds N       seconds per batch (default 4)
  --concurrency N   requests in flight (default 10)
  --cpu-prof DIR    run both APIs under node --cpu-prof, writing into DIR/base and DIR/test
  --test-node-options=FLAGS  NODE_OPTIONS for the build under test only (e.g. --max-semi-space-size=64 against the same build)
DATABASE_URL: the PostgreSQL server (required: the dataset is kept there as clm_bench_reads_<customers>_<touchpoints>_s<seed>).
`;

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      base: { type: 'string' },
      'api-dist': { type: 'string', default: DEFAULT_API_DIST },
      customers: { type: 'string', default: '50000' },
      touchpoints: { type: 'string', default: '500000' },
      seed: { type: 'string', default: '42' },
      queries: { type: 'string', default: 'q1,q2,q3' },
      batches: { type: 'string', default: '8' },
      seconds: { type: 'string', default: '4' },
      concurrency: { type: 'string', default: '10' },
      'cpu-prof': { type: 'string' },
      'test-node-options': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  if (!values.base) fail('--base DIR is required (the build to compare with)');
  if (!process.env.DATABASE_URL) fail('DATABASE_URL is required (the dataset is kept on that server)');
  const queries = values.queries.split(',').map((name) => name.trim());
  const unknown = queries.filter((name) => !(QUERY_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) fail(`unknown queries: ${unknown.join(', ')} (known: ${QUERY_NAMES.join(', ')})`);
  return {
    baseDist: path.resolve(values.base),
    apiDist: path.resolve(values['api-dist']),
    customers: intFlag('customers', values.customers),
    touchpoints: intFlag('touchpoints', values.touchpoints),
    seed: intFlag('seed', values.seed),
    queries: queries as QueryName[],
    batches: intFlag('batches', values.batches),
    seconds: intFlag('seconds', values.seconds),
    concurrency: intFlag('concurrency', values.concurrency),
    cpuProfDir: values['cpu-prof'] ? path.resolve(values['cpu-prof']) : null,
    testNodeOptions: values['test-node-options'] ?? null,
  };
}

type Batch = { cpuMsPerRequest: number; requestsPerSecond: number };
type Target = 'base' | 'test' | 'floor';
/** Each batch's order: every rotation of the three, so each comes first, second and third equally often. */
const ORDERS: readonly (readonly Target[])[] = [
  ['base', 'test', 'floor'],
  ['test', 'floor', 'base'],
  ['floor', 'base', 'test'],
  ['test', 'base', 'floor'],
  ['base', 'floor', 'test'],
  ['floor', 'test', 'base'],
];

async function runAb(options: Options, cleanup: Cleanup): Promise<void> {
  requireApiBuild(options.baseDist);
  requireApiBuild(options.apiDist);
  const server = await openServer({ persistentDir: null });
  cleanup.push(() => server.stop());
  const spec = { customers: options.customers, touchpoints: options.touchpoints, seed: options.seed };
  // The kept dataset is migrated by the base build only: the build under test (newer migrations) gets a copy.
  const base = await prepareDatasetDatabase(server, spec, { keep: true, apiDist: options.baseDist }, cleanup);
  const copyName = `${base.name}_test`;
  await dropDatabase(server.url, copyName);
  await withClient(server.url, (client) => client.query(`CREATE DATABASE ${copyName} TEMPLATE ${base.name}`));
  cleanup.push(() => dropDatabase(server.url, copyName));
  const key = generateAdminKey();
  log('starting both API builds');
  const env = { CLM_POOL_SIZE: '10' };
  const profile = async (build: string) => {
    if (!options.cpuProfDir) return null;
    await mkdir(path.join(options.cpuProfDir, build), { recursive: true });
    return path.join(options.cpuProfDir, build);
  };
  const apis = {
    base: await startApi({ apiDist: options.baseDist, databaseUrl: base.url, adminKey: key, env, cpuProfDir: await profile('base') }),
    test: await startApi({
      apiDist: options.apiDist,
      databaseUrl: databaseUrl(server.url, copyName),
      adminKey: key,
      env: options.testNodeOptions === null ? env : { ...env, NODE_OPTIONS: options.testNodeOptions },
      cpuProfDir: await profile('test'),
    }),
  };
  cleanup.push(() => apis.base.stop());
  cleanup.push(() => apis.test.stop());
  await waitForProjections(base.url);
  await waitForProjections(databaseUrl(server.url, copyName));
  const floorProcess = await startFloor(base.url, key, 10);
  cleanup.push(() => floorProcess.stop());
  const servers: Record<Target, { graphqlUrl: string; pid: number }> = { ...apis, floor: floorProcess };
  const lines = [
    '',
    `clm reads A-B (${os.cpus().length} CPUs, node ${process.version}, load average ${os.loadavg()[0].toFixed(1)} at the start)`,
    `  base ${options.baseDist}`,
    `  test ${options.apiDist}${options.testNodeOptions === null ? '' : ` with NODE_OPTIONS=${options.testNodeOptions}`}`,
    `  ${options.batches} batches × ${options.seconds} s per server and query (base, test and floor in rotating order), ${options.concurrency} in flight`,
    '',
    `  ${'query'.padEnd(52)}${pad('base÷floor', 11)}${pad('test÷floor', 11)}${pad('test÷base', 11)}${pad('CPU ms/req base', 17)}${pad('test', 7)}${pad('floor', 7)}${pad('CPU test÷base', 13)}`,
  ];
  for (const query of options.queries) {
    const plan = await planRequests([query], { url: apis.test.graphqlUrl, key }, base.url, options.seed);
    const bodies = plan.get(query) ?? { clm: [], floor: [] };
    const bodiesOf = (target: Target) => (target === 'floor' ? bodies.floor : bodies.clm);
    const batches: Record<Target, Batch[]> = { base: [], test: [], floor: [] };
    // Untimed warm-up of each, so none is measured cold.
    for (const target of ORDERS[0]) await batch(servers[target], bodiesOf(target), options, 2, key);
    for (let i = 0; i < options.batches; i++) {
      for (const target of ORDERS[i % ORDERS.length]) {
        const result = await batch(servers[target], bodiesOf(target), options, options.seconds, key);
        batches[target].push(result);
        log(
          `${READ_QUERIES[query].title} on ${target}: ${formatFixed(result.requestsPerSecond, 1)} req/s, ${formatFixed(result.cpuMsPerRequest, 3)} ms CPU per request`,
        );
      }
    }
    const rate = (target: Target) => median(batches[target].map((b) => b.requestsPerSecond)) ?? NaN;
    const cpu = (target: Target) => median(batches[target].map((b) => b.cpuMsPerRequest)) ?? NaN;
    // The ratio of the two builds' batches of the same rotation, whose conditions were closest.
    const paired = median(batches.test.map((b, i) => b.requestsPerSecond / batches.base[i].requestsPerSecond)) ?? NaN;
    // The same for CPU per request: a loaded machine inflates both builds' CPU time alike within a rotation.
    const pairedCpu = median(batches.test.map((b, i) => b.cpuMsPerRequest / batches.base[i].cpuMsPerRequest)) ?? NaN;
    lines.push(
      `  ${READ_QUERIES[query].title.padEnd(52)}${pad(formatFixed(rate('base') / rate('floor'), 3), 11)}${pad(formatFixed(rate('test') / rate('floor'), 3), 11)}` +
        `${pad(formatFixed(paired, 3), 11)}${pad(formatFixed(cpu('base'), 3), 17)}${pad(formatFixed(cpu('test'), 3), 7)}${pad(formatFixed(cpu('floor'), 3), 7)}` +
        `${pad(formatFixed(pairedCpu, 3), 13)}`,
    );
  }
  lines.push(`  load average ${os.loadavg()[0].toFixed(1)} at the end`, '');
  await apis.base.stop();
  await apis.test.stop();
  await floorProcess.stop();
  if (options.cpuProfDir) lines.push(`  CPU profiles: ${options.cpuProfDir}/base and ${options.cpuProfDir}/test`, '');
  process.stdout.write(lines.join('\n'));
}

/** One batch on one API: its CPU time per response and responses per second. */
async function batch(api: { graphqlUrl: string; pid: number }, bodies: string[], options: Options, seconds: number, key: string) {
  const run = await runLoad({ url: api.graphqlUrl, key, bodies, connections: options.concurrency, leadSeconds: 0, seconds, pid: api.pid });
  if (run.failures > 0) throw new Error(`${run.failures} failed requests; first: ${run.firstFailure}`);
  if (run.serverCpuMs === null) throw new Error('the API process CPU time could not be read (/proc)');
  return { cpuMsPerRequest: run.serverCpuMs / run.responses, requestsPerSecond: run.requests / run.windowSeconds };
}

runBenchmark((cleanup) => runAb(parseOptions(), cleanup));
