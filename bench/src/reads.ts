/**
 * Reads benchmark: requests per second of clm's GraphQL reads (the customers
 * connection with touchpoints, one customer's timeline, a stage filter with
 * totalCount) against a floor server answering the same requests with one
 * hand-written SQL statement each, on the same generated database, in
 * alternating rounds, after checking both give the same answers. Also counts
 * the SQL statements clm runs per request.
 *
 * Needs the API built (apps/api/dist, or --api-dist). See bench/README.md.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { describeApiBuild } from './shared/api-build.js';
import { generateAdminKey, requireApiBuild, startApi } from './shared/api-process.js';
import { runBenchmark } from './shared/cleanup.js';
import type { Cleanup } from './shared/cleanup.js';
import { log } from './shared/cli.js';
import { displayPath, REPO_ROOT, writeResult } from './shared/paths.js';
import { openServer } from './shared/postgres.js';
import { waitForProjections } from './shared/projections.js';
import { prepareDatasetDatabase } from './reads/dataset-database.js';
import { startFloor } from './reads/floor-process.js';
import { parseReadsOptions } from './reads/options.js';
import type { ReadsOptions } from './reads/options.js';
import { formatReadsReport, readsResult, summarise } from './reads/report.js';
import type { ReadsContext } from './reads/report.js';
import { planRequests } from './reads/requests.js';
import type { Endpoint, System } from './reads/requests.js';
import { runRounds } from './reads/rounds.js';
import { countStatements } from './reads/statements.js';
import { verifyAnswers } from './reads/verify.js';

/** Where --keep keeps the embedded server's data (git-ignored, like the API's own .clm/postgres). */
const KEPT_EMBEDDED_DIR = path.join(REPO_ROOT, '.clm/bench-postgres');

async function runReads(options: ReadsOptions, cleanup: Cleanup): Promise<void> {
  requireApiBuild(options.apiDist);
  const build = describeApiBuild(options.apiDist);
  log(`API build ${build.distSha256} (${displayPath(options.apiDist)}, built ${build.distBuiltAt}, git ${build.gitHead})`);
  if (!process.env.DATABASE_URL) log('starting an embedded PostgreSQL');
  const server = await openServer({ persistentDir: options.keep ? KEPT_EMBEDDED_DIR : null });
  cleanup.push(() => server.stop());
  const spec = { customers: options.customers, touchpoints: options.touchpoints, seed: options.seed };
  const database = await prepareDatasetDatabase(server, spec, { keep: options.keep, apiDist: options.apiDist }, cleanup);

  const key = generateAdminKey();
  if (options.cpuProfDir) await mkdir(options.cpuProfDir, { recursive: true });
  log('starting the API and the floor server');
  const api = await startApi({
    apiDist: options.apiDist,
    databaseUrl: database.url,
    adminKey: key,
    env: { CLM_POOL_SIZE: String(options.poolSize) },
    cpuProfDir: options.cpuProfDir,
  });
  cleanup.push(() => api.stop());
  // A dataset loaded with COPY is new to the projections: until they have applied it, the API spends much of its CPU
  // projecting, and the timing would measure that (minutes at this size), not the reads.
  await waitForProjections(database.url);
  const floor = await startFloor(database.url, key, options.poolSize);
  cleanup.push(() => floor.stop());
  const endpoints: Record<System, Endpoint> = {
    clm: { url: api.graphqlUrl, key, pid: api.pid },
    floor: { url: floor.graphqlUrl, key, pid: floor.pid },
  };

  const plan = await planRequests(options.queries, endpoints.clm, database.url, options.seed);
  log('verifying: every query answered identically by clm and the floor');
  await verifyAnswers(plan, endpoints);
  const measurements = await runRounds(plan, endpoints, options);
  await api.stop();
  await floor.stop();

  log(`counting SQL statements per request (${options.statementRequests} requests of each query, one at a time)`);
  const statements = await countStatements(plan, database.url, {
    apiDist: options.apiDist,
    requests: options.statementRequests,
    poolSize: options.poolSize,
  });
  const buildChanged = describeApiBuild(options.apiDist).distSha256 !== build.distSha256;
  if (buildChanged) log('WARNING: the API build changed during this run (rebuilt by someone else?): the numbers mix two builds');
  const context: ReadsContext = { options, build, buildChanged, postgres: { version: server.version, server: server.kind }, database };
  const summaries = summarise(measurements, statements);
  process.stdout.write(formatReadsReport(summaries, context));
  const result = readsResult(summaries, context, statements);
  process.stdout.write(`  result: ${displayPath(await writeResult('reads', result.timestamp, result))}\n`);
}

runBenchmark((cleanup) => runReads(parseReadsOptions(), cleanup));
