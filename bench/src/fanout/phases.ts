import { postGraphql } from '../shared/graphql.js';
import { field } from '../shared/json.js';
import { batchOf, now } from './protocol.js';
import type { DeliveryTimes, FloorEvent } from './protocol.js';
import type { FanoutBatch } from './workload.js';

/** One measured phase on one system: when it started, and what the client saw. */
export type PhaseResult = { startedAt: number; events: number; times: DeliveryTimes };

/** Deliveries per second from the phase's start to its last delivery. */
export function throughput(phase: PhaseResult): number {
  return phase.times.deliveries / ((phase.times.lastReceivedAt - phase.startedAt) / 1000);
}

/** Runs `send` for each item, the k-th no earlier than k × intervalMs after the start (later when a send overruns); returns the start time. */
export async function paced<T>(items: readonly T[], intervalMs: number, send: (item: T) => Promise<void>): Promise<number> {
  const startedAt = now();
  for (const [k, item] of items.entries()) {
    const wait = startedAt + k * intervalMs - now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    await send(item);
  }
  return startedAt;
}

/** Posts a batch and records when its response arrived; throws unless every touchpoint was accepted. */
export async function postBatch(url: string, key: string, batch: FanoutBatch, respondedAt: Record<number, number>): Promise<void> {
  const data = await postGraphql(url, key, batch.body);
  respondedAt[batch.index] = now();
  const rejected = field(field(data, 'recordTouchpoints'), 'rejected');
  if (rejected !== 0) throw new Error(`batch ${batch.index}: ${String(rejected)} touchpoints rejected`);
}

/** Posts every batch, `concurrency` in flight; returns the start time. */
export async function postAll(
  url: string,
  key: string,
  batches: readonly FanoutBatch[],
  concurrency: number,
  respondedAt: Record<number, number>,
): Promise<number> {
  const startedAt = now();
  let next = 0;
  const worker = async () => {
    while (next < batches.length) await postBatch(url, key, batches[next++], respondedAt);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return startedAt;
}

type FramePayload = { data: { stageTransitions: { transition: { from: string | null; to: string; customer: { externalId: string } } } } };

/** The frames clm delivered to one unfiltered subscription, in the order delivered, each with its batch: what the floor broadcasts. */
export function floorEvents(frames: readonly string[]): Array<FloorEvent & { batch: number }> {
  return frames.map((payload) => {
    const { transition } = (JSON.parse(payload) as FramePayload).data.stageTransitions;
    return { payload, from: transition.from, to: transition.to, batch: batchOf(transition.customer.externalId) };
  });
}
