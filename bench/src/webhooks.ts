/**
 * Webhooks benchmark: commit-to-receiver latency and deliveries per second
 * with 10 endpoints on loopback while touchpoints arrive at a steady rate;
 * the same while one endpoint takes 2 s per answer (the other nine should not
 * move); and ingest's rate with the 10 endpoints registered against none
 * (the consumer then queues nothing), in the same run.
 *
 * "Commit" is when recordTouchpoints answered (clm answers after COMMIT), so
 * a latency includes the projection step, the claim and the HTTP call. Each
 * batch creates new customers: one customer.stage_changed event each.
 *
 * Needs the API built (apps/api/dist, or --api-dist). Usage:
 *   npm run webhooks -w @clm/bench -- [--seconds N] [--rate BATCHES_PER_S] [--batch N] [--api-dist DIR]
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { generateAdminKey, requireApiBuild, startApi } from './shared/api-process.js';
import { runBenchmark } from './shared/cleanup.js';
import type { Cleanup } from './shared/cleanup.js';
import { intFlag, log } from './shared/cli.js';
import { query } from './shared/graphql.js';
import { DEFAULT_API_DIST } from './shared/paths.js';
import { createDatabase, databaseUrl, dropDatabase, openServer } from './shared/postgres.js';
import { percentile, round } from './shared/stats.js';

type Options = { seconds: number; rate: number; batch: number; apiDist: string };

const RECORD = `mutation ($touchpoints: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $touchpoints) { accepted } }`;
const REGISTER = `mutation ($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } } }`;
const ENDPOINTS = 10;

/** A loopback receiver: when each customer's event arrived, answering after `delayMs`. */
class Receiver {
  readonly arrivals = new Map<string, number>();
  delayMs = 0;
  private readonly server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const at = performance.now();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: { customer: { externalId: string } | null } };
      const customer = body.data.customer?.externalId;
      if (customer !== undefined && !this.arrivals.has(customer)) this.arrivals.set(customer, at);
      setTimeout(() => response.end('ok'), this.delayMs);
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function touchpoints(prefix: string, size: number) {
  return Array.from({ length: size }, (_, index) => ({
    messageId: `${prefix}-${index}`,
    customer: { externalId: `${prefix}-${index}` },
    type: 'page_view',
    channel: 'web',
    occurredAt: new Date().toISOString(),
  }));
}

/** Sends `rate` batches a second for `seconds`; the time each batch's customers were acknowledged. */
async function steadyIngest(url: string, key: string, phase: string, options: Options): Promise<Map<string, number>> {
  const acknowledged = new Map<string, number>();
  const total = options.seconds * options.rate;
  const started = performance.now();
  const inFlight: Array<Promise<void>> = [];
  for (let batch = 0; batch < total; batch++) {
    const due = started + (batch * 1000) / options.rate;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
    const items = touchpoints(`${phase}-${batch}`, options.batch);
    inFlight.push(
      query(url, key, RECORD, { touchpoints: items }).then(() => {
        const at = performance.now();
        for (const item of items) acknowledged.set(item.customer.externalId, at);
      }),
    );
  }
  await Promise.all(inFlight);
  return acknowledged;
}

/** Waits until every receiver has every customer, or `timeoutMs` passed since the last arrival anywhere. */
async function drained(receivers: readonly Receiver[], customers: readonly string[], timeoutMs: number): Promise<void> {
  let last = -1;
  let quietSince = performance.now();
  for (;;) {
    const count = receivers.reduce((sum, receiver) => sum + customers.filter((customer) => receiver.arrivals.has(customer)).length, 0);
    if (count === receivers.length * customers.length) return;
    if (count !== last) {
      last = count;
      quietSince = performance.now();
    } else if (performance.now() - quietSince > timeoutMs)
      throw new Error(`deliveries stopped at ${count} of ${receivers.length * customers.length}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

type PhaseResult = { p50: number | null; p99: number | null; perSecond: number; deliveries: number };

function latencies(receivers: readonly Receiver[], acknowledged: Map<string, number>): PhaseResult {
  const values: number[] = [];
  let first = Infinity;
  let last = -Infinity;
  for (const receiver of receivers)
    for (const [customer, at] of acknowledged) {
      const arrived = receiver.arrivals.get(customer);
      if (arrived === undefined) continue;
      values.push(Math.max(0, arrived - at));
      first = Math.min(first, at);
      last = Math.max(last, arrived);
    }
  values.sort((left, right) => left - right);
  return {
    p50: round(percentile(values, 0.5), 0),
    p99: round(percentile(values, 0.99), 0),
    perSecond: round(values.length / ((last - first) / 1000), 1),
    deliveries: values.length,
  };
}

/** Batches acknowledged per second, sending one after the other for `seconds`. */
async function ingestRate(url: string, key: string, phase: string, seconds: number, batchSize: number): Promise<number> {
  const started = performance.now();
  let batches = 0;
  while (performance.now() - started < seconds * 1000) {
    await query(url, key, RECORD, { touchpoints: touchpoints(`${phase}-${batches}`, batchSize) });
    batches++;
  }
  return (batches * batchSize) / ((performance.now() - started) / 1000);
}

async function run(options: Options, cleanup: Cleanup): Promise<void> {
  requireApiBuild(options.apiDist);
  const server = await openServer();
  cleanup.push(() => server.stop());
  const name = `clm_bench_webhooks_${randomBytes(4).toString('hex')}`;
  await createDatabase(server.url, name);
  cleanup.push(() => dropDatabase(server.url, name));
  const key = generateAdminKey();
  const api = await startApi({
    apiDist: options.apiDist,
    databaseUrl: databaseUrl(server.url, name),
    adminKey: key,
    env: { CLM_SEGMENT_REFRESH_SECONDS: '0', CLM_WEBHOOK_ALLOW: '127.0.0.1', LOG_LEVEL: 'warn' },
  });
  cleanup.push(() => api.stop());
  const receivers = Array.from({ length: ENDPOINTS }, () => new Receiver());
  const urls = await Promise.all(receivers.map((receiver) => receiver.start()));
  cleanup.push(() => Promise.all(receivers.map((receiver) => receiver.stop())).then(() => undefined));

  log(`ingest without endpoints (baseline), ${options.seconds} s`);
  const off = await ingestRate(api.graphqlUrl, key, 'off', options.seconds, options.batch);
  for (const url of urls) await query(api.graphqlUrl, key, REGISTER, { input: { url, eventTypes: ['customer.stage_changed'] } });

  log(`steady ingest: ${options.rate} batches of ${options.batch} a second for ${options.seconds} s, ${ENDPOINTS} endpoints`);
  const steady = await steadyIngest(api.graphqlUrl, key, 'steady', options);
  await drained(receivers, [...steady.keys()], 60_000);
  const a = latencies(receivers, steady);

  log('the same while endpoint 1 takes 2 s per answer');
  receivers[0].delayMs = 2000;
  const slow = await steadyIngest(api.graphqlUrl, key, 'slow', options);
  await drained(receivers.slice(1), [...slow.keys()], 60_000);
  const b = latencies(receivers.slice(1), slow);
  receivers[0].delayMs = 0;
  await drained(receivers.slice(0, 1), [...slow.keys()], 120_000);
  const slowOne = latencies(receivers.slice(0, 1), slow);

  log(`ingest with ${ENDPOINTS} endpoints, ${options.seconds} s`);
  const on = await ingestRate(api.graphqlUrl, key, 'on', options.seconds, options.batch);

  const load = os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
  console.log(
    [
      `webhooks: ${ENDPOINTS} endpoints on loopback, ${options.rate} batches/s × ${options.batch} new customers for ${options.seconds} s per phase, PostgreSQL ${server.version} (${server.kind}), load ${load}`,
      `phase | deliveries | commit→receiver p50 ms | p99 ms | deliveries/s`,
      `A steady, 10 endpoints | ${a.deliveries} | ${a.p50} | ${a.p99} | ${a.perSecond}`,
      `B one endpoint at 2 s/answer: the other 9 | ${b.deliveries} | ${b.p50} | ${b.p99} | ${b.perSecond}`,
      `B the slow endpoint (drained after) | ${slowOne.deliveries} | ${slowOne.p50} | ${slowOne.p99} | ${slowOne.perSecond}`,
      `B ÷ A p50 (the other 9) | ${a.p50 && b.p50 !== null ? round(b.p50 / a.p50, 2) : '—'}`,
      `ingest touchpoints/s: without endpoints ${round(off, 1)}, with ${ENDPOINTS} ${round(on, 1)}, ratio on ÷ off ${round(on / off, 3)}`,
    ].join('\n'),
  );
}

const args = process.argv.slice(2);
const options: Options = { seconds: 15, rate: 4, batch: 10, apiDist: DEFAULT_API_DIST };
for (let index = 0; index < args.length; index += 2) {
  const [flag, value] = [args[index], args[index + 1] ?? ''];
  if (flag === '--seconds') options.seconds = intFlag(flag, value);
  else if (flag === '--rate') options.rate = intFlag(flag, value);
  else if (flag === '--batch') options.batch = intFlag(flag, value);
  else if (flag === '--api-dist') options.apiDist = value;
  else throw new Error(`unknown flag ${flag}`);
}
runBenchmark((cleanup) => run(options, cleanup));
