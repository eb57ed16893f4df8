import type { GraphQLHttpClient } from './graphql-http';
import type { Subscription } from './graphql-ws';

/** A stage transition as the stream delivers it in these tests. */
export type StreamedTransition = {
  id: string;
  from: string | null;
  to: string;
  cause: string;
  ruleId: string | null;
  customerId: string;
  customer: { externalId: string | null } | null;
};

export type TransitionEventData = { stageTransitions: { cursor: string; transition: StreamedTransition } };

export const STAGE_TRANSITIONS = `
  subscription Transitions($after: String, $customerId: ID, $stages: [String!]) {
    stageTransitions(after: $after, customerId: $customerId, stages: $stages) {
      cursor
      transition { id from to cause ruleId customerId customer { externalId } }
    }
  }`;

/** The prefix of the externalIds `waitUntilLive` creates, so tests can leave them out. */
export const WARM_UP_PREFIX = 'warm-up-';

/**
 * Without `after`, a subscription sees only what commits once the server has
 * registered it, and the protocol does not say when that is. So this calls
 * `trigger` (which must cause one event the subscription receives) until the
 * subscription has delivered something: from then on it is live.
 */
export async function waitUntilLive<T>(
  subscription: Subscription<T>,
  trigger: (attempt: number) => Promise<unknown>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    await trigger(attempt);
    try {
      await subscription.waitUntil((data) => data.length > 0, 250);
      return;
    } catch {
      // not registered yet: try again
    }
  }
  throw new Error(`the subscription delivered nothing within ${timeoutMs} ms; results: ${JSON.stringify(subscription.results())}`);
}

/** A `trigger` for waitUntilLive on stageTransitions: a throwaway customer, which enters the first stage. */
export function createWarmUpCustomer(client: GraphQLHttpClient): (attempt: number) => Promise<unknown> {
  return (attempt) =>
    client.data(`mutation WarmUp($externalId: String!) { createCustomer(input: { externalId: $externalId }) { id } }`, {
      externalId: `${WARM_UP_PREFIX}${attempt}-${Date.now()}`,
    });
}

export function isWarmUp(transition: StreamedTransition): boolean {
  return transition.customer?.externalId?.startsWith(WARM_UP_PREFIX) ?? false;
}
