import { setTimeout as sleep } from 'node:timers/promises';
import { post, postGraphql } from '../shared/graphql.js';
import { at, field } from '../shared/json.js';
import type { Random } from '../shared/prng.js';
import { createRandom, pick } from '../shared/prng.js';
import type { HostileRequest } from './requests.js';

/*
 * The three kinds of client of a phase: a paced ingest client, ordinary
 * readers, and hostile READ-key clients. Each runs until its phase's `stop`
 * signal and records what it saw with `performance.now()` times, so a phase
 * can count only what started inside its measured window.
 */

/** One request: when it was sent, how long it took, and whether it was answered without errors. */
export type Sample = { sentAt: number; ms: number; ok: boolean };

/** One ingest call: also when it was due by the schedule (it waits when the calls in flight are at the cap). */
export type IngestSample = Sample & { dueAt: number };

export type Endpoint = { url: string; key: string };

/** Waits `ms`, or less when `signal` aborts first (its listener is removed either way). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return sleep(ms, undefined, { signal }).catch(() => undefined);
}

async function timed(work: () => Promise<unknown>): Promise<Sample> {
  const sentAt = performance.now();
  const ok = await work().then(
    () => true,
    () => false,
  );
  return { sentAt, ms: performance.now() - sentAt, ok };
}

const INGEST = `mutation HostileIngest($touchpoints: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $touchpoints) { accepted duplicates rejected } }`;

const TOUCHPOINT_TYPES = ['page_view', 'page_view', 'page_view', 'email_open', 'login', 'login', 'email_click', 'purchase', 'review'];
const CHANNELS = ['web', 'mobile', 'email', 'app', 'ads'];

export type IngestPlan = { rate: number; batch: number; inFlight: number; customers: number };

/** A batch of touchpoints by existing customers (the dataset's external ids), each with a fresh messageId. */
function ingestBody(random: Random, plan: IngestPlan, runId: string, sequence: number): string {
  const now = new Date().toISOString();
  const touchpoints = Array.from({ length: plan.batch }, (_, item) => {
    const type = pick(random, TOUCHPOINT_TYPES);
    return {
      messageId: `hostile-${runId}-${sequence}-${item}`,
      customer: { externalId: `u-${String(1 + Math.floor(random() * plan.customers)).padStart(6, '0')}` },
      type,
      channel: pick(random, CHANNELS),
      occurredAt: now,
      ...(type === 'purchase' ? { value: 10 + Math.floor(random() * 190), currency: 'USD' } : {}),
    };
  });
  return JSON.stringify({ query: INGEST, variables: { touchpoints } });
}

/**
 * `recordTouchpoints` at `plan.rate` calls per second with at most
 * `plan.inFlight` in flight; a call that comes due while they are all busy
 * is sent as soon as one returns (so a slow server lowers the rate achieved
 * rather than piling up requests). A call fails when it has errors or
 * rejects an item.
 */
export async function runIngest(
  endpoint: Endpoint,
  plan: IngestPlan,
  runId: string,
  seed: number,
  stop: AbortSignal,
): Promise<IngestSample[]> {
  const random = createRandom(seed);
  const samples: IngestSample[] = [];
  const inFlight = new Set<Promise<void>>();
  const interval = 1000 / plan.rate;
  let dueAt = performance.now();
  let sequence = 0;
  while (!stop.aborted) {
    const wait = dueAt - performance.now();
    if (wait > 0) await pause(wait, stop);
    if (stop.aborted) break;
    if (inFlight.size >= plan.inFlight) {
      await Promise.race(inFlight);
      continue;
    }
    const due = dueAt;
    const body = ingestBody(random, plan, runId, sequence++);
    const call = timed(async () => {
      const data = await postGraphql(endpoint.url, endpoint.key, body);
      const rejected = at(data, 'recordTouchpoints', 'rejected');
      if (rejected !== 0) throw new Error(`recordTouchpoints rejected ${String(rejected)} items`);
    }).then((sample) => {
      samples.push({ ...sample, dueAt: due });
      inFlight.delete(call);
    });
    inFlight.add(call);
    dueAt += interval;
  }
  await Promise.all(inFlight);
  return samples;
}

export type ReadKind = 'customers' | 'timeline' | 'stageOverview';
export const READ_KINDS: readonly ReadKind[] = ['customers', 'timeline', 'stageOverview'];

const READS: Record<ReadKind, string> = {
  customers: `query HostileCustomers { customers(first: 20) { edges { node { id externalId email name stage orders revenue createdAt } } } }`,
  timeline: `query HostileTimeline($id: ID!) { customer(id: $id) { id externalId email stage orders revenue
    touchpoints(first: 20) { edges { node { id type channel occurredAt value } } }
    transitions(first: 20) { edges { node { id from to occurredAt cause } } } } }`,
  stageOverview: `query HostileOverview { stageOverview { total cursor stages { stage name count offPath } } }`,
};

/** An ordinary reader: the three reads in turn (the timeline of a customer drawn from `customerIds`), one at a time. */
export async function runReader(
  endpoint: Endpoint,
  customerIds: readonly string[],
  pauseMs: number,
  seed: number,
  stop: AbortSignal,
): Promise<Record<ReadKind, Sample[]>> {
  const random = createRandom(seed);
  const samples: Record<ReadKind, Sample[]> = { customers: [], timeline: [], stageOverview: [] };
  for (let turn = seed % READ_KINDS.length; !stop.aborted; turn++) {
    const kind = READ_KINDS[turn % READ_KINDS.length];
    const variables = kind === 'timeline' ? { id: pick(random, customerIds) } : {};
    samples[kind].push(
      await timed(async () => {
        const data = await postGraphql(endpoint.url, endpoint.key, JSON.stringify({ query: READS[kind], variables }));
        if (kind === 'timeline' && field(data, 'customer') === null) throw new Error('the customer was not found');
      }),
    );
    if (pauseMs > 0) await pause(pauseMs, stop);
  }
  return samples;
}

/** `GET /healthz` every `intervalMs`, one at a time: ok when it answers 200 (a stalled projection answers otherwise). */
export async function runHealthProbe(baseUrl: string, intervalMs: number, stop: AbortSignal): Promise<Sample[]> {
  const samples: Sample[] = [];
  while (!stop.aborted) {
    samples.push(
      await timed(async () => {
        const response = await fetch(`${baseUrl}/healthz`);
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`/healthz answered ${response.status}`);
      }),
    );
    await pause(intervalMs, stop);
  }
  return samples;
}

/**
 * How a hostile request ended: answered, refused with a code, timed out
 * (unanswered after the timeout), abandoned (the disconnecting client left
 * it), unfinished (still running when its phase ended) or failed (no HTTP
 * answer).
 */
export type HostileOutcome =
  | { kind: 'answered' }
  | { kind: 'refused'; code: string; status: number }
  | { kind: 'timed out' }
  | { kind: 'abandoned' }
  | { kind: 'unfinished' }
  | { kind: 'failed'; message: string };

export type HostileSample = { request: string; sentAt: number; ms: number; outcome: HostileOutcome };

export type HostileRole = 'preview' | 'metrics' | 'metrics-segment' | 'disconnect';

/** The roles of `count` hostile clients, in turn: previews, metrics, segment-filtered metrics, and one client that disconnects. */
export function hostileRoles(count: number): HostileRole[] {
  const order: HostileRole[] = [
    'preview',
    'metrics',
    'metrics-segment',
    'disconnect',
    'preview',
    'metrics-segment',
    'preview',
    'metrics',
    'metrics-segment',
    'preview',
  ];
  return Array.from({ length: count }, (_, index) => order[index % order.length]);
}

/**
 * A hostile client: sends its requests in turn, each as soon as the last
 * ended, never waiting for Retry-After. A request unanswered after
 * `timeoutMs` is abandoned (timed out); with `abandonAfterMs` every request is
 * abandoned after that long (the client disconnects mid-request).
 */
export async function runHostile(
  endpoint: Endpoint,
  requests: readonly HostileRequest[],
  options: { timeoutMs: number; abandonAfterMs: number | null },
  stop: AbortSignal,
): Promise<HostileSample[]> {
  const samples: HostileSample[] = [];
  for (let turn = 0; !stop.aborted; turn++) {
    const request = requests[turn % requests.length];
    const leave = options.abandonAfterMs ?? options.timeoutMs;
    const signal = AbortSignal.any([stop, AbortSignal.timeout(leave)]);
    const sentAt = performance.now();
    const outcome = await send(endpoint, request.body, signal).catch((error: unknown): HostileOutcome => {
      if (stop.aborted) return { kind: 'unfinished' };
      if (signal.aborted) return options.abandonAfterMs === null ? { kind: 'timed out' } : { kind: 'abandoned' };
      return { kind: 'failed', message: error instanceof Error ? error.message : String(error) };
    });
    samples.push({ request: request.name, sentAt, ms: performance.now() - sentAt, outcome });
  }
  return samples;
}

async function send(endpoint: Endpoint, body: string, signal: AbortSignal): Promise<HostileOutcome> {
  const response = await fetch(endpoint.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${endpoint.key}` },
    body,
    signal,
  });
  const json: unknown = await response.json();
  const errors = field(json, 'errors');
  if (response.status === 200 && errors === undefined) return { kind: 'answered' };
  const code = Array.isArray(errors) ? at(errors[0], 'extensions', 'code') : undefined;
  return { kind: 'refused', code: typeof code === 'string' ? code : `HTTP ${response.status}`, status: response.status };
}

/** A refusal: its error code (or the HTTP status when it has none) and message. */
export type Refusal = { code: string; message: string };

/** Sends `body` once and returns how it was refused, or null when it was answered. */
export async function refusalOf(endpoint: Endpoint, body: string): Promise<Refusal | null> {
  const { status, json } = await post(endpoint.url, endpoint.key, body);
  const errors = field(json, 'errors');
  if (status === 200 && errors === undefined) return null;
  const first: unknown = Array.isArray(errors) ? errors[0] : undefined;
  const code = at(first, 'extensions', 'code');
  const message = field(first, 'message');
  return {
    code: typeof code === 'string' ? code : `HTTP ${status}`,
    message: typeof message === 'string' ? message : JSON.stringify(json),
  };
}
