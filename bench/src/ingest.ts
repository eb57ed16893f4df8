/**
 * Ingest benchmark: touchpoints per second through the `recordTouchpoints`
 * GraphQL mutation (HTTP, batches, a few requests in flight, the default
 * lifecycle rules on), divided by a raw COPY of exactly the same rows into the
 * same table on the same PostgreSQL server, in the same run.
 *
 * Needs the API built (apps/api/dist, or --api-dist). See bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { countApiRows, databaseStats, lifecycleModel, postAll } from './ingest/api-run.js';
import type { RetryStats } from './ingest/api-run.js';
import { runBaseline } from './ingest/baseline.js';
import { formatIngestReport, formatSqlTiming, ingestResult } from './ingest/report.js';
import type { IngestMeasurements } from './ingest/report.js';
import { SqlLog } from './ingest/sql-log.js';
import { makeWorkload, toBatches, typeMix } from './ingest/workload.js';
import type { Batch, WorkloadRow } from './ingest/workload.js';
import { describeApiBuild } from './shared/api-build.js';
import type { ApiBuild } from './shared/api-build.js';
import { generateAdminKey, migrateWithApi, requireApiBuild, startApi } from './shared/api-process.js';
import type { ApiProcess } from './shared/api-process.js';
import { runBenchmark } from './shared/cleanup.js';
import type { Cleanup } from './shared/cleanup.js';
import { fail, intFlag, log } from './shared/cli.js';
import { DEFAULT_API_DIST, displayPath, writeResult } from './shared/paths.js';
import { checkpoint, createDatabase, databaseUrl, dropDatabase, openServer, withClient } from './shared/postgres.js';
import type { PostgresServer } from './shared/postgres.js';

type IngestOptions = {
  touchpoints: number;
  customers: number;
  batch: number;
  concurrency: number;
  warmupBatches: number;
  retries: number;
  seed: number;
  cpuProfDir: string | null;
  sqlLog: boolean;
  apiDist: string;
};

const HELP = `usage: npm run ingest -w @clm/bench -- [options]     (or node bench/dist/ingest.js)
  --touchpoints N      touchpoints to ingest (default 100000, or BENCH_TOUCHPOINTS)
  --customers N        distinct customers (default 20000)
  --batch N            items per recordTouchpoints call and per baseline COPY (default 500, max 1000)
  --concurrency N      requests (and baseline COPY connections) in flight (default 4)
  --warmup-batches N   untimed batches first, on their own customers and messageIds (default 2)
  --seed N             workload PRNG seed (default 42)
  --retries N          resend a batch that failed as a whole (GraphQL error, nothing stored) up to N times;
                       default 0: any failure stops the run
  --cpu-prof DIR       run the API with node --cpu-prof, profiles written to DIR
  --sql-log            (embedded server only) log every statement of the API database during the timed
                       run and print server-side time per statement kind
  --api-dist DIR       the API build to measure (default apps/api/dist)
DATABASE_URL: use this PostgreSQL server (two scratch databases are created and dropped); else an embedded one.
`;

function parseOptions(): IngestOptions {
  const { values } = parseArgs({
    options: {
      touchpoints: { type: 'string' },
      customers: { type: 'string', default: '20000' },
      batch: { type: 'string', default: '500' },
      concurrency: { type: 'string', default: '4' },
      'warmup-batches': { type: 'string', default: '2' },
      seed: { type: 'string', default: '42' },
      retries: { type: 'string', default: '0' },
      'cpu-prof': { type: 'string' },
      'sql-log': { type: 'boolean', default: false },
      'api-dist': { type: 'string', default: DEFAULT_API_DIST },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const options: IngestOptions = {
    touchpoints: intFlag('touchpoints', values.touchpoints ?? process.env.BENCH_TOUCHPOINTS ?? '100000'),
    customers: intFlag('customers', values.customers),
    batch: intFlag('batch', values.batch),
    concurrency: intFlag('concurrency', values.concurrency),
    warmupBatches: intFlag('warmup-batches', values['warmup-batches'], 0),
    retries: intFlag('retries', values.retries, 0),
    seed: intFlag('seed', values.seed),
    cpuProfDir: values['cpu-prof'] ? path.resolve(values['cpu-prof']) : null,
    sqlLog: values['sql-log'],
    apiDist: path.resolve(values['api-dist']),
  };
  if (options.batch > 1000) fail('--batch must be at most 1000 (the API limit)');
  if (options.customers > options.touchpoints) fail('--customers must not exceed --touchpoints');
  return options;
}

/** The timed rows and the untimed warm-up rows (their own customers and messageIds), serialised before any timing. */
function buildWorkload(options: IngestOptions): { rows: WorkloadRow[]; batches: Batch[]; warmupBatches: Batch[] } {
  const started = performance.now();
  const rows = makeWorkload({
    count: options.touchpoints,
    customers: options.customers,
    seed: options.seed,
    messagePrefix: `bench-s${options.seed}`,
    customerPrefix: 'c',
  });
  const warmupCount = options.warmupBatches * options.batch;
  const warmupRows = makeWorkload({
    count: warmupCount,
    customers: Math.min(warmupCount, Math.max(1, Math.floor(options.batch / 2))),
    seed: options.seed + 1_000_003,
    messagePrefix: `warmup-s${options.seed}`,
    customerPrefix: 'w',
  });
  const batches = toBatches(rows, options.batch);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  log(
    `workload: ${rows.length} touchpoints, ${options.customers} customers, ${batches.length} batches of ≤${options.batch} (${seconds} s to build)`,
  );
  return { rows, batches, warmupBatches: toBatches(warmupRows, options.batch) };
}

/** Database A for the API and database B for the baseline, dropped at the end. */
async function createScratchDatabases(server: PostgresServer, cleanup: Cleanup): Promise<{ nameA: string; urlA: string; urlB: string }> {
  const suffix = randomBytes(4).toString('hex');
  const nameA = `clm_bench_api_${suffix}`;
  const nameB = `clm_bench_copy_${suffix}`;
  for (const name of [nameA, nameB]) {
    await createDatabase(server.url, name);
    cleanup.push(() => dropDatabase(server.url, name));
  }
  return { nameA, urlA: databaseUrl(server.url, nameA), urlB: databaseUrl(server.url, nameB) };
}

type ApiPhase = Pick<
  IngestMeasurements,
  'apiSeconds' | 'latencies' | 'model' | 'counts' | 'retries' | 'apiErrorsLogged' | 'database' | 'sqlTiming'
>;

/** The timed API run on database A: warm-up, then every batch; then what it stored. */
async function runApiPhase(
  options: IngestOptions,
  work: { rows: WorkloadRow[]; batches: Batch[]; warmupBatches: Batch[] },
  db: { serverUrl: string; nameA: string; urlA: string },
  sqlLog: SqlLog,
  cleanup: Cleanup,
): Promise<ApiPhase> {
  const key = generateAdminKey();
  if (options.cpuProfDir) await mkdir(options.cpuProfDir, { recursive: true });
  log('starting the API');
  const api = await startApi({ apiDist: options.apiDist, databaseUrl: db.urlA, adminKey: key, cpuProfDir: options.cpuProfDir });
  cleanup.push(() => api.stop());
  const model = await lifecycleModel(api.graphqlUrl, key);
  log(`lifecycle model: ${model.name} (${model.rules} rules)`);
  if (work.warmupBatches.length > 0) {
    log(`warm-up: ${work.warmupBatches.length} batches`);
    await postAll(api.graphqlUrl, key, work.warmupBatches, options.concurrency, options.retries, { retries: 0, retried: [] });
  }
  await checkpoint(db.urlA);
  log(`API: ${work.batches.length} batches, ${options.concurrency} in flight`);
  const retries: RetryStats = { retries: 0, retried: [] };
  sqlLog.start();
  const started = performance.now();
  const latencies = await postAll(api.graphqlUrl, key, work.batches, options.concurrency, options.retries, retries).catch(
    (error: unknown) => {
      throw withApiOutput(error, api);
    },
  );
  const apiSeconds = (performance.now() - started) / 1000;
  const sqlTiming = sqlLog.stop();
  const counts = await countApiRows(db.urlA, options.seed);
  if (counts.touchpoints !== work.rows.length)
    throw new Error(`the API database holds ${counts.touchpoints} bench touchpoints, expected ${work.rows.length}`);
  await stopAndReport(api);
  const apiErrorsLogged = (api.output().match(/"level":50/g) ?? []).length;
  return {
    apiSeconds,
    latencies,
    model,
    counts,
    retries,
    apiErrorsLogged,
    database: await databaseStats(db.serverUrl, db.nameA),
    sqlTiming,
  };
}

function withApiOutput(error: unknown, api: ApiProcess): Error {
  const failure = error instanceof Error ? error : new Error(String(error));
  failure.message += `\n--- API output (tail) ---\n${api.output().slice(-3000)}`;
  return failure;
}

async function stopAndReport(api: ApiProcess): Promise<void> {
  const exit = await api.stop();
  if (exit.code === 0 || exit.code === null) return;
  log(
    api.output().includes('shutdown took too long')
      ? `API exit code ${exit.code}: its graceful shutdown timed out`
      : `API exited with ${JSON.stringify(exit)}:\n${api.output().slice(-3000)}`,
  );
}

async function runIngest(options: IngestOptions, cleanup: Cleanup): Promise<void> {
  requireApiBuild(options.apiDist);
  const build: ApiBuild = describeApiBuild(options.apiDist);
  log(
    `API build ${build.distSha256} (dist built ${build.distBuiltAt}, git ${build.gitHead}${build.sourceChangedSinceHead ? ' + uncommitted changes' : ''})`,
  );
  const work = buildWorkload(options);
  const sqlLog = new SqlLog(options.sqlLog);
  if (!process.env.DATABASE_URL) log('starting an embedded PostgreSQL');
  const server = await openServer({ onLog: sqlLog.push });
  cleanup.push(() => server.stop());
  if (options.sqlLog && server.kind !== 'embedded') fail('--sql-log needs the embedded server (unset DATABASE_URL)');
  const { nameA, urlA, urlB } = await createScratchDatabases(server, cleanup);
  if (options.sqlLog) {
    await withClient(server.url, async (client) => {
      await client.query(`ALTER DATABASE ${nameA} SET log_min_duration_statement = 0`);
      await client.query(`ALTER DATABASE ${nameA} SET log_parameter_max_length = 0`);
    });
  }
  const apiPhase = await runApiPhase(options, work, { serverUrl: server.url, nameA, urlA }, sqlLog, cleanup);
  log('baseline: migrating and inserting customers (untimed)');
  await migrateWithApi(options.apiDist, urlB);
  const baseline = await runBaseline(urlB, work.rows, work.batches, options.concurrency);
  const buildChanged = describeApiBuild(options.apiDist).distSha256 !== build.distSha256;
  if (buildChanged) log('WARNING: the API build changed during this run (rebuilt by someone else?): the numbers mix two builds');
  const measurements: IngestMeasurements = {
    ...apiPhase,
    build,
    buildChanged,
    postgres: { version: server.version, server: server.kind },
    workload: {
      touchpoints: work.rows.length,
      customers: options.customers,
      batchSize: options.batch,
      concurrency: options.concurrency,
      warmupBatches: work.warmupBatches.length,
      retriesAllowed: options.retries,
      seed: options.seed,
      types: typeMix(work.rows),
    },
    baseline,
  };
  const result = ingestResult(measurements);
  process.stdout.write(formatIngestReport(result, measurements));
  process.stdout.write(`  result: ${displayPath(await writeResult('ingest', result.timestamp, result))}\n`);
  if (apiPhase.sqlTiming) process.stdout.write(formatSqlTiming(apiPhase.sqlTiming));
  if (options.cpuProfDir) process.stdout.write(`  API CPU profile: ${options.cpuProfDir}\n`);
}

runBenchmark((cleanup) => runIngest(parseOptions(), cleanup));
