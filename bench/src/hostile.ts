/**
 * Hostile benchmark (issue 17): ingest and ordinary read latency while 10
 * READ-key clients send the costliest previews and metrics the cost limit
 * allows, against the same figures without them, in alternating phases
 * (A B B A) on one dataset and one API process.
 *
 * Needs the API built (apps/api/dist, or --api-dist). See bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { prepareDatasetDatabase } from './reads/dataset-database.js';
import { describeApiBuild } from './shared/api-build.js';
import { generateAdminKey, requireApiBuild, startApi } from './shared/api-process.js';
import { Cleanup } from './shared/cleanup.js';
import { log } from './shared/cli.js';
import { displayPath, RESULTS_DIR } from './shared/paths.js';
import { openServer, withClient } from './shared/postgres.js';
import { waitForProjections } from './shared/projections.js';
import type { Endpoint, HostileRole } from './hostile/clients.js';
import { parseHostileOptions } from './hostile/options.js';
import type { HostileOptions } from './hostile/options.js';
import { runPhase } from './hostile/phases.js';
import type { PhaseResult } from './hostile/phases.js';
import { formatHostileReport, GOAL_RATIO, ratios, summariseSide } from './hostile/report.js';
import type { HostileContext } from './hostile/report.js';
import { costliestMetrics, costliestPreview, loadPricing, metricsPlans } from './hostile/requests.js';
import { checkRequests, createKey, createSegment, serverCostLimit } from './hostile/setup.js';
import type { HostileRequest } from './hostile/requests.js';

async function runHostileBench(options: HostileOptions, cleanup: Cleanup): Promise<void> {
  requireApiBuild(options.apiDist);
  const build = describeApiBuild(options.apiDist);
  const pricing = loadPricing(options.apiDist);
  log(`API build ${build.distSha256} (${displayPath(options.apiDist)}, built ${build.distBuiltAt}, git ${build.gitHead})`);
  if (!process.env.DATABASE_URL) log('starting an embedded PostgreSQL');
  const server = await openServer();
  cleanup.push(() => server.stop());
  const spec = { customers: options.customers, touchpoints: options.touchpoints, seed: options.seed };
  // Never kept: the run ingests into it, so it would no longer be the reads benchmark's dataset.
  const database = await prepareDatasetDatabase(server, spec, { keep: false, apiDist: options.apiDist }, cleanup);

  const adminKey = generateAdminKey();
  log('starting the API');
  const api = await startApi({ apiDist: options.apiDist, databaseUrl: database.url, adminKey, env: options.apiEnv });
  cleanup.push(() => api.stop());
  await waitForProjections(database.url);
  const admin: Endpoint = { url: api.graphqlUrl, key: adminKey };
  const ingestKey = await createKey(admin, 'bench ingest', 'INGEST');
  const readerKey = await createKey(admin, 'bench reader', 'READ');
  const hostileKeys: string[] = [];
  for (let client = 0; client < options.hostile; client++) hostileKeys.push(await createKey(admin, `bench hostile ${client + 1}`, 'READ'));
  const segment = await createSegment(admin);

  const probe: Endpoint = { url: api.graphqlUrl, key: hostileKeys[0] };
  const costLimit = await serverCostLimit(probe, pricing);
  const now = new Date();
  const plans = metricsPlans(pricing.METRIC_COST.maxDays, segment);
  const preview = costliestPreview(pricing, costLimit, now);
  const plain = plans.plain.map((plan) => costliestMetrics(pricing, costLimit, now, plan));
  const segmented = plans.segmented.map((plan) => costliestMetrics(pricing, costLimit, now, plan));
  const requests: Record<HostileRole, readonly HostileRequest[]> = {
    preview: [preview],
    metrics: plain,
    'metrics-segment': segmented,
    disconnect: [preview, ...segmented],
  };
  const all = [preview, ...plain, ...segmented];
  const checks = await checkRequests(probe, all);
  const customerIds = await withClient(database.url, async (client) =>
    (await client.query<{ id: string }>('SELECT id FROM customers ORDER BY md5(id::text) LIMIT 200')).rows.map((row) => row.id),
  );

  const setup = {
    options,
    databaseUrl: database.url,
    baseUrl: api.baseUrl,
    ingest: { url: api.graphqlUrl, key: ingestKey },
    reader: { url: api.graphqlUrl, key: readerKey },
    hostileKeys,
    requests,
    customerIds,
    runId: randomBytes(4).toString('hex'),
  };
  const phases: PhaseResult[] = [];
  const counts = { A: 0, B: 0 };
  for (const [index, kind] of options.phases.entries()) {
    counts[kind] += 1;
    phases.push(await runPhase(setup, `${kind}${counts[kind]}`, kind, index));
  }
  await api.stop();

  const buildChanged = describeApiBuild(options.apiDist).distSha256 !== build.distSha256;
  if (buildChanged) log('WARNING: the API build changed during this run (rebuilt by someone else?): the numbers mix two builds');
  const a = summariseSide(phases.filter((phase) => phase.kind === 'A'));
  const b = summariseSide(phases.filter((phase) => phase.kind === 'B'));
  const r = ratios(a, b);
  const context: HostileContext = {
    options,
    build,
    buildChanged,
    postgres: { version: server.version, server: server.kind },
    database: { name: database.name, reused: database.reused, counts: database.counts },
    costLimit,
    requests: all,
    checks,
  };
  process.stdout.write(formatHostileReport(context, phases, a, b, r));
  const timestamp = new Date().toISOString();
  const result = {
    benchmark: 'hostile',
    timestamp,
    goalRatio: GOAL_RATIO,
    ratios: r,
    baseline: a,
    hostile: b,
    phases: phases.map((phase) => ({
      ...summariseSide([phase]),
      label: phase.label,
      loadAverage: phase.loadAverage,
      settle: phase.settle,
    })),
    ...context,
    requests: all.map(({ name, description, cost, oneMoreCost }) => ({ name, description, cost, oneMoreCost })),
  };
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `hostile-${timestamp.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`  result: ${displayPath(file)}\n`);
}

async function main(): Promise<void> {
  const options = parseHostileOptions();
  const cleanup = new Cleanup();
  try {
    await runHostileBench(options, cleanup);
  } finally {
    await cleanup.finish();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
