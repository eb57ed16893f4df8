/**
 * What the bench, the subscriber process and the floor server say to each
 * other over their IPC channels, and the facts all three share: the
 * subscription they all run and how an event names the batch that made it.
 */

/** The subscription every client opens, on clm and on the floor alike. */
export const SUBSCRIPTION = `subscription Fanout($stages: [String!], $after: String) {
  stageTransitions(stages: $stages, after: $after) {
    cursor
    transition { id from to occurredAt cause customer { id externalId email stage } }
  }
}`;

/** One subscription the client opens: its stage filter (null for none). */
export type SubscriptionSpec = { stages: string[] | null };

/** Which server the client subscribes to. */
export type Target = { url: string; key: string; after: string | null };

/** What each subscription received: how many events, and a hash of their transition ids in order. */
export type SubscriptionTally = { count: number; hash: number };

/** Latency of the deliveries of one phase (ms after the response of the batch that made each), and when the first and last arrived. */
export type DeliveryTimes = {
  deliveries: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
  firstReceivedAt: number;
  lastReceivedAt: number;
};

export type ClientRequest =
  | { type: 'open'; target: Target; connections: number; subscriptions: SubscriptionSpec[] }
  | { type: 'progress' }
  | { type: 'collect'; respondedAt: Record<number, number> }
  | { type: 'close' };

export type ClientReply =
  | { type: 'opened' }
  | { type: 'progress'; received: number; errors: string[] }
  | { type: 'collected'; tallies: SubscriptionTally[]; times: DeliveryTimes; frames: string[] }
  | { type: 'closed' };

/** One event as the floor broadcasts it: the payload JSON clm produced, and the stages it touches (for filters). */
export type FloorEvent = { payload: string; from: string | null; to: string };

export type FloorRequest = { type: 'broadcast'; events: FloorEvent[] } | { type: 'stop' };
export type FloorReply = { type: 'ready'; url: string } | { type: 'broadcast-done' };

/** A batch's customers are `fanout-<batch>-<n>`: the batch an event came from is read back from its customer. */
export function externalIdOf(batch: number, customer: number): string {
  return `fanout-${batch}-${customer}`;
}

/** The batch index in an external id made by `externalIdOf`. */
export function batchOf(externalId: string): number {
  const start = externalId.indexOf('-') + 1;
  return Number(externalId.slice(start, externalId.indexOf('-', start)));
}

/** The running hash of a subscription's transition ids, in the order received (FNV-style, 32 bits). */
export function nextHash(hash: number, transitionId: string): number {
  let h = hash;
  for (let i = 0; i < transitionId.length; i++) h = Math.imul(h ^ transitionId.charCodeAt(i), 16777619) >>> 0;
  return Math.imul(h ^ 0x2c, 16777619) >>> 0;
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes on one machine. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}
