import { externalIdOf } from './protocol.js';

/** One `recordTouchpoints` call of the fan-out workload. */
export type FanoutBatch = { index: number; body: string };

const RECORD = `mutation Record($touchpoints: [TouchpointInput!]!) {
  recordTouchpoints(touchpoints: $touchpoints) { accepted rejected }
}`;

/**
 * Under the classic model each new customer's page view, sign-up and login
 * make three transitions: into awareness, on to acquisition, on to engagement.
 */
const JOURNEY = [
  { type: 'page_view', channel: 'web' },
  { type: 'signup', channel: 'web' },
  { type: 'login', channel: 'app' },
] as const;

/** Transitions each customer of a batch makes. */
export const TRANSITIONS_PER_CUSTOMER = JOURNEY.length;

// Fixed, so every run sends the same touchpoints; the API refuses times more than a day ahead.
const START = Date.UTC(2026, 0, 1);

/** `count` batches, numbered from `first`, each of `customers` new customers walking through JOURNEY. */
export function makeBatches(first: number, count: number, customers: number): FanoutBatch[] {
  return Array.from({ length: count }, (_, k) => {
    const index = first + k;
    const touchpoints = Array.from({ length: customers }, (_unused, n) =>
      JOURNEY.map((step, s) => ({
        messageId: `${externalIdOf(index, n)}-${s}`,
        customer: { externalId: externalIdOf(index, n) },
        type: step.type,
        channel: step.channel,
        occurredAt: new Date(START + (index * customers + n) * 1000 + s).toISOString(),
      })),
    ).flat();
    return { index, body: JSON.stringify({ query: RECORD, variables: { touchpoints } }) };
  });
}
