/**
 * Fan-out benchmark: how fast committed stage transitions reach many live
 * `stageTransitions` subscriptions (default 1,000 without a filter and 100
 * with a stages filter, on 20 graphql-ws connections from a separate
 * process), against a floor: a bare `ws` server broadcasting the very frames
 * clm delivered to the same sockets and subscriptions, in the same run.
 * Steady phase: ingest at a fixed rate, latency from each batch's ingest
 * response to each delivery. Burst phase: batches back to back, deliveries
 * per second. Every subscription's events are checked against the database.
 *
 * Needs the API built (apps/api/dist, or --api-dist). See bench/README.md.
 */
import { describeApiBuild } from './shared/api-build.js';
import { generateAdminKey, requireApiBuild, startApi } from './shared/api-process.js';
import type { ApiProcess } from './shared/api-process.js';
import { runBenchmark } from './shared/cleanup.js';
import type { Cleanup } from './shared/cleanup.js';
import { log } from './shared/cli.js';
import { query } from './shared/graphql.js';
import { at } from './shared/json.js';
import { displayPath, writeResult } from './shared/paths.js';
import { createDatabase, databaseUrl, dropDatabase, openServer } from './shared/postgres.js';
import { expectedTallies, readLog, tallyMismatches, totalDeliveries } from './fanout/expected.js';
import { forkBenchProcess } from './fanout/forked.js';
import { parseFanoutOptions } from './fanout/options.js';
import type { FanoutOptions } from './fanout/options.js';
import { floorEvents, paced, postAll, postBatch } from './fanout/phases.js';
import type { PhaseResult } from './fanout/phases.js';
import { now } from './fanout/protocol.js';
import type { FloorEvent, FloorReply, FloorRequest, SubscriptionSpec, SubscriptionTally } from './fanout/protocol.js';
import { fanoutResult, formatFanoutReport } from './fanout/report.js';
import type { SystemResult } from './fanout/report.js';
import { startSubscriberClient } from './fanout/subscriber-client.js';
import type { SubscriberClient } from './fanout/subscriber-client.js';
import { makeBatches, TRANSITIONS_PER_CUSTOMER } from './fanout/workload.js';

/** The filters of the filtered subscriptions, in turn. */
const FILTERS = [['awareness'], ['acquisition'], ['engagement'], ['retention', 'advocacy'], ['acquisition', 'engagement']];
/** Time for the floor to register every subscription before the first batch. */
const SETTLE_MS = 1_500;

function subscriptionSpecs(options: FanoutOptions): SubscriptionSpec[] {
  return [
    ...Array.from({ length: options.unfiltered }, () => ({ stages: null })),
    ...Array.from({ length: options.filtered }, (_, k) => ({ stages: FILTERS[k % FILTERS.length] })),
  ];
}

type ClmRun = {
  result: SystemResult;
  tallies: SubscriptionTally[];
  frames: string[];
  expected: SubscriptionTally[];
  steadyBatches: number;
};

/** clm: subscribe from the log's current cursor, ingest at the steady rate, then in a burst; check every subscription against the log. */
async function runClm(
  options: FanoutOptions,
  api: ApiProcess,
  key: string,
  url: string,
  client: SubscriberClient,
  specs: SubscriptionSpec[],
): Promise<ClmRun> {
  const cursor = at(
    await query(api.graphqlUrl, key, '{ recentTransitions(first: 1) { cursor } }'),
    'recentTransitions',
    'cursor',
  ) as string;
  await client.open({ url: api.graphqlUrl.replace(/^http/, 'ws'), key, after: cursor }, options.connections, specs);
  const perBatch = options.customersPerBatch * TRANSITIONS_PER_CUSTOMER;
  const steadyCount = Math.max(1, Math.round((options.rate * options.seconds) / perBatch));
  const respondedAt: Record<number, number> = {};

  // Batch 0 warms up (every subscription live and replayed, code compiled) and is not measured.
  log('clm warm-up: one batch, until every subscription has it');
  await postBatch(api.graphqlUrl, key, makeBatches(0, 1, options.customersPerBatch)[0], respondedAt);
  await client.waitFor(totalDeliveries(expectedTallies(await readLog(url), specs)));
  const warmUp = await client.collect(respondedAt);

  log(`clm steady: ${steadyCount} batches of ${perBatch} transitions, one every ${formatMs((1000 * perBatch) / options.rate)}`);
  const steadyStart = await paced(makeBatches(1, steadyCount, options.customersPerBatch), (1000 * perBatch) / options.rate, (batch) =>
    postBatch(api.graphqlUrl, key, batch, respondedAt),
  );
  const afterSteady = expectedTallies(await readLog(url), specs);
  await client.waitFor(totalDeliveries(afterSteady));
  const steady = await client.collect(respondedAt);

  log(`clm burst: ${options.burstBatches} batches back to back`);
  const burstStart = await postAll(
    api.graphqlUrl,
    key,
    makeBatches(1 + steadyCount, options.burstBatches, options.burstCustomersPerBatch),
    2,
    respondedAt,
  );
  const expected = expectedTallies(await readLog(url), specs);
  await client.waitFor(totalDeliveries(expected));
  const burst = await client.collect(respondedAt);
  await client.close();
  const warmUpEvents = warmUp.tallies[0].count;
  const events = { steady: afterSteady[0].count - warmUpEvents, burst: expected[0].count - afterSteady[0].count };
  return {
    result: { steady: phase(steadyStart, events.steady, steady.times), burst: phase(burstStart, events.burst, burst.times) },
    tallies: burst.tallies,
    frames: [...warmUp.frames, ...steady.frames, ...burst.frames],
    expected,
    steadyBatches: steadyCount,
  };
}

function phase(startedAt: number, events: number, times: PhaseResult['times']): PhaseResult {
  return { startedAt, events, times };
}

function formatMs(value: number): string {
  return `${Math.round(value)} ms`;
}

/** The floor: the frames clm delivered, handed to a bare ws server on the same schedule (steady) and all at once (burst). */
async function runFloor(
  options: FanoutOptions,
  clm: ClmRun,
  client: SubscriberClient,
  specs: SubscriptionSpec[],
): Promise<{ result: SystemResult; tallies: SubscriptionTally[] }> {
  const floor = forkBenchProcess<FloorRequest, FloorReply>('floor-server.js');
  try {
    const { url } = await floor.next('ready');
    await client.open({ url, key: 'floor', after: null }, options.connections, specs);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const events = floorEvents(clm.frames);
    const batchEvents = (index: number): FloorEvent[] => events.filter((event) => event.batch === index);
    const respondedAt: Record<number, number> = {};
    const perBatch = options.customersPerBatch * TRANSITIONS_PER_CUSTOMER;
    const steadyIndexes = Array.from({ length: clm.steadyBatches }, (_, k) => 1 + k);

    log('floor warm-up: batch 0, until every subscription has it');
    await floor.ask({ type: 'broadcast', events: batchEvents(0) }, 'broadcast-done');
    await client.waitFor(deliveriesOf(batchEvents(0), specs));
    await client.collect({});

    log('floor steady: the same frames on the same schedule');
    const steadyStart = await paced(steadyIndexes, (1000 * perBatch) / options.rate, async (index) => {
      respondedAt[index] = now();
      await floor.ask({ type: 'broadcast', events: batchEvents(index) }, 'broadcast-done');
    });
    const steadyExpected = [0, ...steadyIndexes].reduce((sum, index) => sum + deliveriesOf(batchEvents(index), specs), 0);
    await client.waitFor(steadyExpected);
    const steady = await client.collect(respondedAt);

    log('floor burst: the burst frames all at once');
    // In the order clm delivered them: burst batches commit interleaved.
    const burstEvents = events.filter((event) => event.batch > clm.steadyBatches);
    const burstStart = now();
    for (const event of burstEvents) respondedAt[event.batch] = burstStart;
    await floor.ask({ type: 'broadcast', events: burstEvents }, 'broadcast-done');
    await client.waitFor(totalDeliveries(clm.expected));
    const burst = await client.collect(respondedAt);
    await client.close();
    return {
      result: {
        steady: phase(steadyStart, clm.result.steady.events, steady.times),
        burst: phase(burstStart, clm.result.burst.events, burst.times),
      },
      tallies: burst.tallies,
    };
  } finally {
    floor.send({ type: 'stop' });
    await floor.stop();
  }
}

/** How many deliveries `events` make over the subscriptions (the filter rule of the API). */
function deliveriesOf(events: readonly FloorEvent[], specs: readonly SubscriptionSpec[]): number {
  let total = 0;
  for (const event of events) {
    for (const { stages } of specs) {
      if (stages === null || stages.includes(event.to) || (event.from !== null && stages.includes(event.from))) total += 1;
    }
  }
  return total;
}

async function runFanout(options: FanoutOptions, cleanup: Cleanup): Promise<void> {
  requireApiBuild(options.apiDist);
  const build = describeApiBuild(options.apiDist);
  log(`API build ${build.distSha256} (${displayPath(options.apiDist)}, built ${build.distBuiltAt}, git ${build.gitHead})`);
  if (!process.env.DATABASE_URL) log('starting an embedded PostgreSQL');
  const server = await openServer();
  cleanup.push(() => server.stop());
  const name = `clm_bench_fanout_${process.pid}_${Date.now().toString(36)}`;
  await createDatabase(server.url, name);
  cleanup.push(() => dropDatabase(server.url, name));
  const url = databaseUrl(server.url, name);

  const key = generateAdminKey();
  const api = await startApi({ apiDist: options.apiDist, databaseUrl: url, adminKey: key, cpuProfDir: options.cpuProfDir });
  cleanup.push(() => api.stop());
  const client = startSubscriberClient();
  cleanup.push(() => client.stop());
  const specs = subscriptionSpecs(options);

  const clm = await runClm(options, api, key, url, client, specs).catch((error: unknown) => {
    throw new Error(`the clm phase failed; the API's last output:\n${api.output().slice(-3000)}`, { cause: error });
  });
  const clmProblems = tallyMismatches(clm.tallies, clm.expected, specs);
  if (clmProblems.length > 0) throw new Error(`clm delivered wrong events:\n${clmProblems.slice(0, 10).join('\n')}`);
  await api.stop();
  const floor = await runFloor(options, clm, client, specs);
  const floorProblems = tallyMismatches(floor.tallies, clm.expected, specs);
  if (floorProblems.length > 0) throw new Error(`the floor delivered wrong events:\n${floorProblems.slice(0, 10).join('\n')}`);

  const buildChanged = describeApiBuild(options.apiDist).distSha256 !== build.distSha256;
  const context = {
    options,
    build,
    buildChanged,
    postgres: { version: server.version, server: server.kind },
    events: { steady: clm.result.steady.events, burst: clm.result.burst.events },
  };
  process.stdout.write(formatFanoutReport(clm.result, floor.result, context));
  const result = fanoutResult(clm.result, floor.result, context);
  process.stdout.write(`  result: ${displayPath(await writeResult('fanout', result.timestamp, result))}\n`);
}

runBenchmark((cleanup) => runFanout(parseFanoutOptions(), cleanup));
