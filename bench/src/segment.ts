/**
 * Segment-compatible ingest benchmark: the same touchpoints through
 * `POST /v1/batch` (Segment messages, mapped by clm's default mapping) and
 * through the `recordTouchpoints` GraphQL mutation (the items that store the
 * same rows), on one API process and one database, in four timed phases
 * ordered GraphQL, /v1, /v1, GraphQL so drift in the machine's load weighs on
 * both alike. Prints touchpoints per second of each and /v1 ÷ GraphQL; the
 * goal is at least 0.9. Checks that both paths stored identical rows.
 *
 * Needs the API built (apps/api/dist, or --api-dist). See bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { makeWorkload } from './ingest/workload.js';
import type { WorkloadRow } from './ingest/workload.js';
import { graphqlBatches, segmentBatches } from './segment/workload.js';
import type { PreparedBatch } from './segment/workload.js';
import { describeApiBuild } from './shared/api-build.js';
import { generateAdminKey, requireApiBuild, startApi } from './shared/api-process.js';
import { runBenchmark } from './shared/cleanup.js';
import type { Cleanup } from './shared/cleanup.js';
import { fail, intFlag, log } from './shared/cli.js';
import { postGraphql } from './shared/graphql.js';
import { field } from './shared/json.js';
import { DEFAULT_API_DIST, displayPath, writeResult } from './shared/paths.js';
import { runPool } from './shared/pool.js';
import { checkpoint, createDatabase, databaseUrl, dropDatabase, openServer, withClient } from './shared/postgres.js';
import { waitForProjections } from './shared/projections.js';
import { formatFixed, formatInt, median, percentile, round } from './shared/stats.js';

type Options = { touchpoints: number; customers: number; batch: number; concurrency: number; seed: number; apiDist: string };

const HELP = `usage: npm run segment -w @clm/bench -- [options]     (or node bench/dist/segment.js)
  --touchpoints N      touchpoints per timed phase (default 20000, or BENCH_TOUCHPOINTS); four phases
  --customers N        distinct customers per phase (default 4000)
  --batch N            items per request on both paths (default 500, max 1000: the recordTouchpoints limit)
  --concurrency N      requests in flight (default 4)
  --seed N             workload PRNG seed (default 42)
  --api-dist DIR       the API build to measure (default apps/api/dist)
DATABASE_URL: use this PostgreSQL server (a scratch database is created and dropped); else an embedded one.
`;

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      touchpoints: { type: 'string' },
      customers: { type: 'string', default: '4000' },
      batch: { type: 'string', default: '500' },
      concurrency: { type: 'string', default: '4' },
      seed: { type: 'string', default: '42' },
      'api-dist': { type: 'string', default: DEFAULT_API_DIST },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const options: Options = {
    touchpoints: intFlag('touchpoints', values.touchpoints ?? process.env.BENCH_TOUCHPOINTS ?? '20000'),
    customers: intFlag('customers', values.customers),
    batch: intFlag('batch', values.batch),
    concurrency: intFlag('concurrency', values.concurrency),
    seed: intFlag('seed', values.seed),
    apiDist: path.resolve(values['api-dist']),
  };
  if (options.batch > 1000) fail('--batch must be at most 1000 (the recordTouchpoints limit)');
  if (options.customers > options.touchpoints) fail('--customers must not exceed --touchpoints');
  return options;
}

type Path = 'graphql' | 'v1';
type Phase = { path: Path; label: string; rows: WorkloadRow[]; batches: PreparedBatch[] };
type PhaseResult = { path: Path; label: string; seconds: number; perSecond: number; latencyP50: number | null; latencyP99: number | null };

/** Four phases, each on its own customers and messageIds (same types, values and times): GraphQL, /v1, /v1, GraphQL. */
function buildPhases(options: Options): Phase[] {
  return (['graphql', 'v1', 'v1', 'graphql'] as const).map((route, index) => {
    const label = `${route === 'graphql' ? 'g' : 'v'}${index}`;
    const rows = makeWorkload({
      count: options.touchpoints,
      customers: options.customers,
      seed: options.seed,
      messagePrefix: `seg-${label}`,
      customerPrefix: `seg-${label}-c`,
    });
    return {
      path: route,
      label,
      rows,
      batches: route === 'graphql' ? graphqlBatches(rows, options.batch) : segmentBatches(rows, options.batch),
    };
  });
}

/** Posts one batch on its path; throws unless every item was stored now. */
async function postBatch(route: Path, baseUrl: string, key: string, batch: PreparedBatch): Promise<void> {
  if (route === 'graphql') {
    const result = field(await postGraphql(`${baseUrl}/graphql`, key, batch.body), 'recordTouchpoints');
    if (field(result, 'accepted') !== batch.size) throw new Error(`GraphQL batch ${batch.index}: ${JSON.stringify(result).slice(0, 800)}`);
    return;
  }
  const response = await fetch(`${baseUrl}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` },
    body: batch.body,
  });
  const text = await response.text();
  const answer = JSON.parse(text) as { accepted?: number };
  if (response.status !== 200 || answer.accepted !== batch.size)
    throw new Error(`/v1 batch ${batch.index}: HTTP ${response.status} ${text.slice(0, 800)}`);
}

async function runPhase(phase: Phase, baseUrl: string, key: string, concurrency: number): Promise<PhaseResult> {
  const latencies: number[] = [];
  const started = performance.now();
  await runPool(phase.batches, concurrency, async (batch) => {
    const sent = performance.now();
    await postBatch(phase.path, baseUrl, key, batch);
    latencies.push(performance.now() - sent);
  });
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    path: phase.path,
    label: phase.label,
    seconds: round(seconds, 2),
    perSecond: round(phase.rows.length / seconds, 0),
    latencyP50: round(percentile(latencies, 50), 0),
    latencyP99: round(percentile(latencies, 99), 0),
  };
}

/** What a phase stored, without its ids, as one digest: equal digests, equal rows. */
async function storedDigest(url: string, label: string): Promise<{ rows: number; digest: string }> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ rows: number; digest: string }>(
      `SELECT count(*)::int AS rows,
              md5(string_agg(concat_ws('|', substr(t.message_id, length($1) + 1), substr(c.external_id, length($2) + 1), t.type, t.channel,
                  t.value::text, t.currency, t.campaign, t.properties::text, t.occurred_at::text), ',' ORDER BY t.message_id)) AS digest
         FROM touchpoints t JOIN customers c ON c.id = t.customer_id
        WHERE t.message_id LIKE $1 || '%'`,
      [`seg-${label}`, `seg-${label}-c`],
    );
    return rows[0];
  });
}

async function runSegmentBench(options: Options, cleanup: Cleanup): Promise<void> {
  requireApiBuild(options.apiDist);
  const build = describeApiBuild(options.apiDist);
  log(`API build ${build.distSha256} (git ${build.gitHead}${build.sourceChangedSinceHead ? ' + uncommitted changes' : ''})`);
  const phases = buildPhases(options);
  if (!process.env.DATABASE_URL) log('starting an embedded PostgreSQL');
  const server = await openServer({});
  cleanup.push(() => server.stop());
  const name = `clm_bench_segment_${randomBytes(4).toString('hex')}`;
  await createDatabase(server.url, name);
  cleanup.push(() => dropDatabase(server.url, name));
  const url = databaseUrl(server.url, name);
  const key = generateAdminKey();
  const api = await startApi({ apiDist: options.apiDist, databaseUrl: url, adminKey: key, env: { CLM_DEMO: '0' } });
  cleanup.push(() => api.stop());
  const results: PhaseResult[] = [];
  for (const phase of phases) {
    await checkpoint(url);
    log(`phase ${phase.label}: ${phase.rows.length} touchpoints through ${phase.path === 'graphql' ? 'recordTouchpoints' : '/v1/batch'}`);
    results.push(await runPhase(phase, api.baseUrl, key, options.concurrency));
    // The projections' catching up is not part of either path's time.
    await waitForProjections(url);
  }
  const [graphqlDigest, v1Digest] = await Promise.all([storedDigest(url, 'g0'), storedDigest(url, 'v1')]);
  if (graphqlDigest.rows !== options.touchpoints || graphqlDigest.digest !== v1Digest.digest || v1Digest.rows !== options.touchpoints)
    throw new Error(`the two paths stored different rows: GraphQL ${JSON.stringify(graphqlDigest)}, /v1 ${JSON.stringify(v1Digest)}`);
  await api.stop();
  const rate = (route: Path) => median(results.filter((result) => result.path === route).map((result) => result.perSecond)) ?? 0;
  const ratio = round(rate('v1') / rate('graphql'), 3);
  const timestamp = new Date().toISOString();
  const result = {
    benchmark: 'segment',
    timestamp,
    build,
    options: { ...options, apiDist: undefined },
    phases: results,
    ratio,
    sameRows: true,
  };
  const lines = [
    '',
    `Segment-compatible ingest: ${formatInt(options.touchpoints)} touchpoints per phase, batches of ${options.batch}, ${options.concurrency} in flight`,
    ...results.map(
      (phase) =>
        `  ${phase.label} ${phase.path === 'graphql' ? 'recordTouchpoints' : '/v1/batch        '}  ${formatInt(phase.perSecond).padStart(7)} touchpoints/s  p50 ${phase.latencyP50} ms  p99 ${phase.latencyP99} ms`,
    ),
    `  both paths stored identical rows (${formatInt(options.touchpoints)} compared)`,
    `  /v1 ÷ recordTouchpoints: ${formatFixed(ratio, 3)} (goal ≥ 0.9)`,
    `  result: ${displayPath(await writeResult('segment', timestamp, result))}`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

runBenchmark((cleanup) => runSegmentBench(parseOptions(), cleanup));
