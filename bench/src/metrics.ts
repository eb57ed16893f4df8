/**
 * Metrics benchmark: at 1,000,000 customers, 10,000,000 touchpoints and about
 * 3,000,000 stage transitions (generated from a seed, loaded with COPY), how
 * long the API's metrics projection takes to fold the logs, how fast the
 * dashboard overview (every KPI with its previous period, the funnel and the
 * stage distribution, 90 days by week) answers from it against the same
 * answer computed by scanning the base tables (`mode: 'scan'`) in the same
 * run, and how soon an ingested batch shows in the metrics.
 *
 * Needs the API built (apps/api/dist, or --api-dist). See bench/README.md.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';
import { describeApiBuild } from './shared/api-build.js';
import type { ApiBuild } from './shared/api-build.js';
import { generateAdminKey, migrateWithApi, requireApiBuild, startApi } from './shared/api-process.js';
import { runBenchmark } from './shared/cleanup.js';
import type { Cleanup } from './shared/cleanup.js';
import { fail, intFlag, log } from './shared/cli.js';
import { DEFAULT_API_DIST, displayPath, REPO_ROOT, writeResult } from './shared/paths.js';
import { createDatabase, databaseUrl, dropDatabase, openServer, queryValue, withClient } from './shared/postgres.js';
import type { PostgresServer } from './shared/postgres.js';
import { countDatasetRows, holdsDataset, labelDataset } from './shared/kept-datasets.js';
import type { DatasetCounts } from './shared/kept-datasets.js';
import { median, percentile } from './shared/stats.js';
import { loadCreateServices, loadCursorDecoder, StatementProfiler, statementLabel } from './metrics/api-services.js';
import type { MetricsRequest, StatementStats } from './metrics/api-services.js';
import { DATASET_END } from './metrics/dataset.js';
import type { MetricsDatasetSpec } from './metrics/dataset.js';
import { measureLag } from './metrics/lag.js';
import type { LagResult } from './metrics/lag.js';
import { loadDataset } from './metrics/load.js';
import type { LoadSummary } from './metrics/load.js';
import { differences, OVERVIEW_METRICS, timeGraphqlOverview, timeOverview } from './metrics/overview.js';
import type { OverviewMetric, OverviewTimings } from './metrics/overview.js';
import { buildProjection, projectedRows } from './metrics/projection.js';
import type { ProjectionBuild } from './metrics/projection.js';

type Options = {
  spec: MetricsDatasetSpec;
  days: number;
  runs: number;
  scanRuns: number;
  httpRuns: number;
  lagBatches: number;
  lagCustomers: number;
  budgetMinutes: number;
  stopAtBudget: boolean;
  finishBatch: number;
  scanPerMetric: boolean;
  poolSize: number;
  keep: boolean;
  reproject: boolean;
  skipScan: boolean;
  apiDist: string;
};

const KEPT_EMBEDDED_DIR = path.join(REPO_ROOT, '.clm/bench-postgres');
const DATASET_VERSION = 'clm-bench metrics dataset v2';
const DAY_MS = 86_400_000;

async function run(options: Options, cleanup: Cleanup): Promise<void> {
  requireApiBuild(options.apiDist);
  const build = describeApiBuild(options.apiDist);
  log(`API build ${build.distSha256} (${displayPath(options.apiDist)}, built ${build.distBuiltAt}, git ${build.gitHead})`);
  if (!process.env.DATABASE_URL) log('starting an embedded PostgreSQL (set DATABASE_URL to use your own server)');
  const server = await openServer({ persistentDir: options.keep ? KEPT_EMBEDDED_DIR : null });
  cleanup.push(() => server.stop());
  const database = await prepareDatabase(server, options, cleanup);
  const renicer = new Renicer(server.url, database.name);
  cleanup.push(() => renicer.stop());

  const profiler = new StatementProfiler();
  profiler.install();
  const createServices = loadCreateServices(options.apiDist);
  const onError = (error: unknown) => log(`API services: ${error instanceof Error ? error.message : String(error)}`);
  const startServices = () => createServices({ url: database.url, poolSize: options.poolSize, onError });

  // The machine is shared: the 1-minute load average at the start and end of each phase goes beside its numbers.
  const loads: Record<string, [number, number]> = {};
  const timedLoad = async <T>(phase: string, work: () => Promise<T>): Promise<T> => {
    const start = os.loadavg()[0];
    const result = await work();
    loads[phase] = [start, os.loadavg()[0]];
    return result;
  };

  let projection: ProjectionBuild | null = null;
  const already = await withClient(database.url, projectedRows);
  if (already.complete && !options.reproject) {
    log('the metrics projection already follows both logs to their end (--reproject to build it again)');
  } else {
    if (already.touchpoints + already.transitions > 0) await withClient(database.url, resetProjections);
    log(`building the metrics projection (budget ${options.budgetMinutes} min)`);
    projection = await timedLoad('projection', () =>
      buildProjection(
        database.url,
        startServices,
        profiler,
        options.budgetMinutes,
        options.stopAtBudget ? null : { apiDist: options.apiDist, batch: options.finishBatch },
      ),
    );
  }

  const to = new Date(DATASET_END - DAY_MS);
  const from = new Date(to.getTime() - (options.days - 1) * DAY_MS);
  const request: MetricsRequest = {
    from: day(from),
    to: day(to),
    bucket: 'WEEK',
    filter: { segment: null, channel: null, campaign: null },
    attribution: 'FIRST_TOUCH',
    compareToPrevious: true,
  };
  let overview: OverviewResult | null = null;
  if (projection === null || projection.complete) {
    const services = await startServices();
    try {
      overview = await timedLoad('overview', () => measureOverview(services.metrics, request, options, profiler, database.url));
    } finally {
      await services.stop();
    }
  }

  let http: number[] = [];
  let lag: LagResult | null = null;
  if (overview) {
    const key = generateAdminKey();
    log('starting the API for GraphQL over HTTP and the lag');
    const api = await startApi({
      apiDist: options.apiDist,
      databaseUrl: database.url,
      adminKey: key,
      env: { CLM_POOL_SIZE: String(options.poolSize), CLM_SEGMENT_REFRESH_SECONDS: '0' },
    });
    cleanup.push(() => api.stop());
    http = await timeGraphqlOverview(api.graphqlUrl, key, request.from, request.to, options.httpRuns);
    log(`GraphQL overview over HTTP: ${http.map((ms) => ms.toFixed(0)).join(', ')} ms`);
    if (options.lagBatches > 0) {
      log(`lag: ${options.lagBatches} batches of ${options.lagCustomers} new customers`);
      lag = await timedLoad('lag', () =>
        withClient(database.url, (client) =>
          measureLag(api.graphqlUrl, key, client, {
            batches: options.lagBatches,
            customersPerBatch: options.lagCustomers,
            timeoutMs: 60_000,
            decodeCursor: loadCursorDecoder(options.apiDist),
          }),
        ),
      );
    }
    await api.stop();
  }

  const buildChanged = describeApiBuild(options.apiDist).distSha256 !== build.distSha256;
  if (buildChanged) log('WARNING: the API build changed during this run (rebuilt by someone else?): the numbers mix two builds');
  const report = {
    options,
    build,
    buildChanged,
    postgres: { version: server.version, server: server.kind },
    database,
    projection,
    request,
    overview,
    http,
    lag,
    loads,
  };
  process.stdout.write(formatReport(report));
  process.stdout.write(`  result: ${displayPath(await writeResult('metrics', new Date().toISOString(), report))}\n`);
}

// -- the database ----------------------------------------------------------------------------------

type DatabaseInfo = {
  name: string;
  url: string;
  reused: boolean;
  load: LoadSummary | null;
  counts: DatasetCounts;
};

async function prepareDatabase(server: PostgresServer, options: Options, cleanup: Cleanup): Promise<DatabaseInfo> {
  const { spec } = options;
  const name = options.keep
    ? `clm_bench_metrics_${spec.customers}_${spec.touchpoints}_s${spec.seed}`
    : `clm_bench_metrics_${Math.random().toString(16).slice(2, 10)}`;
  const url = databaseUrl(server.url, name);
  const signature = `${DATASET_VERSION} customers=${spec.customers} touchpoints=${spec.touchpoints} seed=${spec.seed}`;
  if (!options.keep) cleanup.push(() => dropDatabase(server.url, name));
  if (options.keep && (await holdsDataset(server.url, name, signature))) {
    log(`reusing database ${name} (--keep); the API applies any newer migrations when it starts`);
    await migrateWithApi(options.apiDist, url);
    return { name, url, reused: true, load: null, counts: await countDatasetRows(url) };
  }
  await dropDatabase(server.url, name);
  await createDatabase(server.url, name);
  log(`migrating ${name} with the API build (starting it once)`);
  await migrateWithApi(options.apiDist, url);
  const load = await withClient(url, async (client) => {
    await Renicer.reniceSelf(client);
    return loadDataset(client, spec);
  });
  await labelDataset(server.url, name, signature);
  return { name, url, reused: false, load, counts: await countDatasetRows(url) };
}

/** Empties what the projections derived (metric tables, acquisitions, segment changes) and their positions, to build them again. */
async function resetProjections(client: pg.Client): Promise<void> {
  log('emptying the projections to build them from the start');
  const tables = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r'
        AND (c.relname LIKE 'metric\\_%' OR c.relname IN ('projection_positions', 'customer_acquisitions', 'segment_membership_changes'))`,
  );
  await client.query(`TRUNCATE ${tables.rows.map((row) => row.name).join(', ')}`);
  await client.query(`VACUUM ${tables.rows.map((row) => row.name).join(', ')}`);
}

/**
 * Lowers the CPU priority (nice 10) of this run's PostgreSQL backends (the
 * machine is shared): the ones connected to its database, looked up every
 * 15 s. Best effort: without the right to renice, nothing happens.
 */
class Renicer {
  private readonly done = new Set<number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly serverUrl: string,
    private readonly database: string,
  ) {
    this.timer = setInterval(() => void this.sweep(), 15_000);
    this.timer.unref();
  }

  static async reniceSelf(client: pg.Client): Promise<void> {
    const pid = Number(await queryValue(client, 'SELECT pg_backend_pid()'));
    await renice([pid]);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
  }

  private async sweep(): Promise<void> {
    try {
      const rows = await withClient(this.serverUrl, (client) =>
        client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [this.database]),
      );
      const fresh = rows.rows.map((row) => row.pid).filter((pid) => !this.done.has(pid));
      fresh.forEach((pid) => this.done.add(pid));
      await renice(fresh);
    } catch {
      // best effort
    }
  }
}

async function renice(pids: number[]): Promise<void> {
  if (pids.length === 0) return;
  await promisify(execFile)('renice', ['-n', '10', '-p', ...pids.map(String)]).catch(() => undefined);
}

// -- the overview ----------------------------------------------------------------------------------

type OverviewResult = {
  projected: Omit<OverviewTimings, 'slowestStatements' | 'answer'>;
  scan: Omit<OverviewTimings, 'slowestStatements' | 'answer'> | null;
  /** Where the projection's answer differs from the scan's (empty: identical). */
  differences: string[];
  slowest: { metric: OverviewMetric; statement: string; ms: number; plan: string[] };
  answer: unknown;
};

async function measureOverview(
  metrics: Parameters<typeof timeOverview>[0],
  request: MetricsRequest,
  options: Options,
  profiler: StatementProfiler,
  url: string,
): Promise<OverviewResult> {
  log(`overview ${request.from} … ${request.to} by week with the previous period, from the projection (${options.runs} runs)`);
  const projected = await timeOverview(
    metrics,
    request,
    { runs: options.runs, warmups: 2, perMetricRuns: options.runs, label: 'projection' },
    profiler,
  );
  let scan: OverviewTimings | null = null;
  if (!options.skipScan) {
    log(`the same from the base tables (mode: 'scan', ${options.scanRuns} runs and each metric alone once)`);
    scan = await timeOverview(
      metrics,
      { ...request, mode: 'scan' },
      { runs: options.scanRuns, warmups: 0, perMetricRuns: options.scanPerMetric ? 1 : 0, label: 'scan' },
      profiler,
    );
  }
  const slowestMetric = OVERVIEW_METRICS.reduce((a, b) => (projected.perMetricMedianMs[a] >= projected.perMetricMedianMs[b] ? a : b));
  const statement = projected.slowestStatements[slowestMetric].find((entry) => !/^\s*(BEGIN|COMMIT|ROLLBACK)/.test(entry.text));
  const plan = statement ? await explain(url, statement) : [];
  const strip = ({ slowestStatements: _s, answer: _a, ...rest }: OverviewTimings) => rest;
  return {
    projected: strip(projected),
    scan: scan ? strip(scan) : null,
    differences: scan ? differences(projected.answer, scan.answer) : [],
    slowest: { metric: slowestMetric, statement: statement?.text ?? '', ms: statement ? statement.ms / statement.calls : 0, plan },
    answer: projected.answer,
  };
}

async function explain(url: string, statement: StatementStats): Promise<string[]> {
  return withClient(url, async (client) => {
    const result = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${statement.text}`, statement.lastParameters);
    return result.rows.map((row) => row['QUERY PLAN']);
  });
}

// -- the report ------------------------------------------------------------------------------------

type Report = {
  options: Options;
  build: ApiBuild;
  buildChanged: boolean;
  postgres: { version: string; server: string };
  database: DatabaseInfo;
  projection: ProjectionBuild | null;
  request: MetricsRequest;
  overview: OverviewResult | null;
  http: number[];
  lag: LagResult | null;
  /** Per phase, the 1-minute load average at its start and end. */
  loads: Record<string, [number, number]>;
};

const int = (value: number) => Math.round(value).toLocaleString('en-US');
const ms = (value: number | null | undefined) =>
  value === null || value === undefined || Number.isNaN(value)
    ? '–'
    : value < 10
      ? value.toFixed(2)
      : value < 100
        ? value.toFixed(1)
        : int(value);
const sorted = (values: number[]) => [...values].sort((a, b) => a - b);

function formatReport(report: Report): string {
  const lines: string[] = [];
  const { database, projection, overview, lag } = report;
  const c = database.counts;
  lines.push(
    '',
    `clm metrics benchmark — PostgreSQL ${report.postgres.version} (${report.postgres.server}), API build ${report.build.distSha256} (git ${report.build.gitHead})`,
  );
  if (report.buildChanged) lines.push('  WARNING: the API build changed during the run: discard these numbers');
  const loads = Object.entries(report.loads).map(([phase, [start, end]]) => `${phase} ${start.toFixed(1)} → ${end.toFixed(1)}`);
  if (loads.length > 0)
    lines.push(`  load average (1 min) at the start and end of each phase: ${loads.join(', ')} (${os.cpus().length} cores)`);
  lines.push(
    `  dataset ${database.name}: ${int(c.customers)} customers, ${int(c.touchpoints)} touchpoints, ${int(c.transitions)} transitions` +
      (database.load
        ? ` — generated and loaded in ${int(database.load.seconds.generateAndCopy)} s, indexes ${int(database.load.seconds.indexes)} s, VACUUM ANALYZE ${int(database.load.seconds.vacuum)} s`
        : ' (reused, --keep)'),
  );
  lines.push(
    `  stages: ${Object.entries(c.byStage)
      .map(([stage, n]) => `${stage} ${((100 * n) / c.customers).toFixed(1)}%`)
      .join(', ')}`,
  );
  if (projection) {
    lines.push(
      '',
      `projection (the API's Projector + MetricsProjection, in-process): ${projection.complete ? 'caught up' : 'STOPPED AT THE BUDGET'} in ${int(projection.seconds)} s — ` +
        `${int(projection.rows.touchpoints)} touchpoints + ${int(projection.rows.transitions)} transitions = ${int(projection.rowsPerSecond)} rows/s`,
      projection.atBudget
        ? `  (finished in batches of ${int(projection.finishBatch ?? 0)} rows after the budget) at the ${report.options.budgetMinutes}-minute budget (${int(projection.atBudget.seconds)} s): ${int(projection.atBudget.touchpoints)} touchpoints + ${int(projection.atBudget.transitions)} transitions applied (${int((projection.atBudget.touchpoints + projection.atBudget.transitions) / projection.atBudget.seconds)} rows/s)`
        : '',
      '  time by statement (share of SQL time, seconds, calls):',
    );
    for (const statement of projection.statements.slice(0, 12))
      lines.push(
        `  ${(100 * statement.share).toFixed(1).padStart(5)}% ${statement.seconds.toFixed(1).padStart(8)} s ${String(statement.calls).padStart(6)}  ${statement.statement}`,
      );
    for (const plan of projection.explain)
      lines.push('', `  EXPLAIN ANALYZE, next batch: ${plan.statement}`, ...plan.plan.map((line) => `    ${line}`));
  } else {
    lines.push('', 'projection: already built (reused database); --reproject times building it');
  }
  if (overview) {
    const p = overview.projected;
    const s = overview.scan;
    const pMedian = median(p.overviewMs) ?? NaN;
    const sMedian = s ? (median(s.overviewMs) ?? NaN) : NaN;
    lines.push(
      '',
      `dashboard overview ${report.request.from} … ${report.request.to} (${report.options.days} days, WEEK, with the previous period): ${OVERVIEW_METRICS.join(', ')}`,
      `  MetricsService, projection: median ${ms(pMedian)} ms, p90 ${ms(percentile(sorted(p.overviewMs), 90))} ms over ${p.runs} runs (the 12 at once, like GraphQL)`,
      s
        ? `  MetricsService, mode scan:  median ${ms(sMedian)} ms over ${s.runs} runs  →  projection is ${(sMedian / pMedian).toFixed(0)}× faster`
        : '  scan: skipped',
      report.http.length > 0
        ? `  GraphQL over HTTP (one document): median ${ms(median(report.http))} ms over ${report.http.length} runs`
        : '',
      `  answers: ${s ? (overview.differences.length === 0 ? 'projection and scan identical' : `DIFFER: ${overview.differences.join('; ')}`) : 'not compared'}`,
      `  per metric, median ms: alone (one after the other) and within the overview (until answered, all 12 at once); scan: ${s && !Number.isNaN(s.perMetricMedianMs.sales) ? 'alone, one run' : 'within the overview'}`,
      '  metric               alone   in overview          scan   scan÷alone',
    );
    for (const name of OVERVIEW_METRICS) {
      const fast = p.perMetricMedianMs[name];
      const slow = s ? (Number.isNaN(s.perMetricMedianMs[name]) ? s.inOverviewMedianMs[name] : s.perMetricMedianMs[name]) : undefined;
      lines.push(
        `  ${name.padEnd(18)} ${ms(fast).padStart(7)} ${ms(p.inOverviewMedianMs[name]).padStart(13)} ${ms(slow).padStart(13)} ${slow ? `${(slow / fast).toFixed(0)}×`.padStart(12) : ''}`,
      );
    }
    lines.push(
      '',
      `  slowest from the projection: ${overview.slowest.metric} (${ms(overview.slowest.ms)} ms): ${statementLabel(overview.slowest.statement, 140)}`,
    );
    lines.push(...overview.slowest.plan.map((line) => `    ${line}`));
  }
  if (lag) {
    lines.push(
      '',
      `lag (recordTouchpoints → metrics { exactUpTo newCustomers sales } show the batch), ${lag.batches} batches of ${lag.customersPerBatch} new customers with a purchase:`,
      `  median ${ms(median(lag.lagMs))} ms, p90 ${ms(percentile(sorted(lag.lagMs), 90))} ms, max ${ms(Math.max(...lag.lagMs))} ms (${lag.polls} polls)`,
    );
  }
  return lines.filter((line, index) => line !== '' || lines[index - 1] !== '').join('\n') + '\n';
}

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

// -- options ---------------------------------------------------------------------------------------

const HELP = `Usage: npm run metrics -w @clm/bench -- [flags]   (DATABASE_URL: use that server; otherwise an embedded PostgreSQL)
  --customers N           customers (1000000)
  --touchpoints N         touchpoints (10000000); the transitions follow from the classic rules (about 3 per customer)
  --seed N                dataset seed (42)
  --days N                the overview's range, ending the day before the dataset's end (90)
  --runs N                timed overviews from the projection, and passes over each metric alone (21)
  --scan-runs N           timed overviews from the base tables (3)
  --http-runs N           timed GraphQL overviews over HTTP (5)
  --lag-batches N         batches ingested to measure the lag (20; 0 skips it)
  --lag-customers N       new customers per lag batch (25)
  --budget-minutes N      after this long building the projection, pause it and EXPLAIN ANALYZE its next batch (15)
  --finish-batch N        then finish it with the same projections in batches of N rows (500000)
  --stop-at-budget        or stop there (no overview, no lag)
  --pool-size N           database connections of the services and the API (10)
  --keep                  keep the database (clm_bench_metrics_<customers>_<touchpoints>_s<seed>) and reuse it
  --reproject             on a reused database, empty the projections and time building them again
  --skip-scan             no scan baseline
  --scan-per-metric       also time each metric alone from the base tables (one more scan of everything)
  --api-dist DIR          the API build to measure (apps/api/dist)`;

function parseOptions(argv: string[]): Options {
  const options: Options = {
    spec: { customers: 1_000_000, touchpoints: 10_000_000, seed: 42 },
    days: 90,
    runs: 21,
    scanRuns: 3,
    httpRuns: 5,
    lagBatches: 20,
    lagCustomers: 25,
    budgetMinutes: 15,
    stopAtBudget: false,
    finishBatch: 500_000,
    scanPerMetric: false,
    poolSize: 10,
    keep: false,
    reproject: false,
    skipScan: false,
    apiDist: DEFAULT_API_DIST,
  };
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index];
    const value = () => argv[++index] ?? fail(`${flag} needs a value`);
    if (flag === '--customers') options.spec.customers = intFlag('customers', value());
    else if (flag === '--touchpoints') options.spec.touchpoints = intFlag('touchpoints', value());
    else if (flag === '--seed') options.spec.seed = intFlag('seed', value(), 0);
    else if (flag === '--days') options.days = intFlag('days', value());
    else if (flag === '--runs') options.runs = intFlag('runs', value());
    else if (flag === '--scan-runs') options.scanRuns = intFlag('scan-runs', value());
    else if (flag === '--http-runs') options.httpRuns = intFlag('http-runs', value());
    else if (flag === '--lag-batches') options.lagBatches = intFlag('lag-batches', value(), 0);
    else if (flag === '--lag-customers') options.lagCustomers = intFlag('lag-customers', value());
    else if (flag === '--budget-minutes') options.budgetMinutes = intFlag('budget-minutes', value());
    else if (flag === '--pool-size') options.poolSize = intFlag('pool-size', value(), 2);
    else if (flag === '--keep') options.keep = true;
    else if (flag === '--reproject') options.reproject = true;
    else if (flag === '--skip-scan') options.skipScan = true;
    else if (flag === '--stop-at-budget') options.stopAtBudget = true;
    else if (flag === '--finish-batch') options.finishBatch = intFlag('finish-batch', value());
    else if (flag === '--scan-per-metric') options.scanPerMetric = true;
    else if (flag === '--api-dist') options.apiDist = path.resolve(value());
    else if (flag === '--help' || flag === '-h') {
      process.stdout.write(`${HELP}\n`);
      process.exit(0);
    } else fail(`unknown flag ${flag} (--help lists them)`);
  }
  if (options.spec.touchpoints < options.spec.customers) fail('--touchpoints must be at least --customers');
  return options;
}

runBenchmark((cleanup) => run(parseOptions(process.argv.slice(2)), cleanup));
