import { Receiver } from '@clm/api/testing';
import type { Received } from '@clm/api/testing';
import { Webhook } from 'standardwebhooks';
import { startClm } from '../support/clm';
import type { ClmEnvironment } from '../support/clm';
import type { GraphQLHttpClient } from '../support/graphql-http';

/*
 * At least once, from the log, across a crash: the API killed with SIGKILL
 * while its requests wait for the receiver's answers. A real receiver on loopback (allowed with
 * CLM_WEBHOOK_ALLOW, as a developer would) verifies every request with the
 * standardwebhooks package; every event arrives, and every attempt of one
 * event carries the same webhook-id.
 */

const RECORD = `mutation ($touchpoints: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $touchpoints) { results { status } } }`;
const REGISTER = `mutation ($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }`;
const ALLOW = { CLM_WEBHOOK_ALLOW: '127.0.0.1' };

type Payload = { type: string; data: { to: string; customer: { externalId: string } | null } };

function visit(externalId: string) {
  return {
    messageId: `visit-${externalId}`,
    customer: { externalId },
    type: 'page_view',
    channel: 'web',
    occurredAt: '2026-01-01T00:00:00.000Z',
  };
}

async function register(admin: GraphQLHttpClient, receiver: Receiver): Promise<string> {
  const data = await admin.data<{ createWebhookEndpoint: { secret: string } }>(REGISTER, {
    input: { url: receiver.url('/crash'), eventTypes: ['customer.stage_changed'] },
  });
  return data.createWebhookEndpoint.secret;
}

/** The customers whose first stage change (to awareness) reached the receiver, each with the webhook-ids it came under. */
function idsByCustomer(secret: string, received: readonly Received[]): Map<string, Set<string>> {
  const byCustomer = new Map<string, Set<string>>();
  for (const request of received) {
    const payload = new Webhook(secret).verify(request.body, request.headers) as Payload;
    const externalId = payload.data.customer?.externalId ?? '';
    const ids = byCustomer.get(externalId) ?? new Set<string>();
    ids.add(request.headers['webhook-id']);
    byCustomer.set(externalId, ids);
  }
  return byCustomer;
}

describe('webhooks across crashes', () => {
  let receiver: Receiver;

  beforeEach(async () => {
    receiver = await new Receiver().start();
  });
  afterEach(async () => {
    await receiver.stop();
  });

  it('sends again, with the same webhook-ids, what a killed API was sending, and everything after it', async () => {
    const clm: ClmEnvironment = await startClm({ env: ALLOW });
    try {
      const secret = await register(clm.admin, receiver);
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      // The first instance's requests get no answer: it is killed while it waits.
      receiver.answer = () => ({ status: 200, wait: held });
      const customers = Array.from({ length: 20 }, (_, index) => `crash-${index}`);
      await clm.admin.data(RECORD, { touchpoints: customers.map(visit) });
      await receiver.waitFor((received) => received.length >= 1);
      const killed = await clm.api.stop('SIGKILL');
      expect(killed.signal).toBe('SIGKILL');
      const inFlight = receiver.received.map((request) => request.headers['webhook-id']);
      receiver.answer = () => ({ status: 200 });
      release();

      // Another instance on the same database: what was queued goes now, what was in flight once its lease ends.
      await clm.startAnotherApi({ env: ALLOW });
      await receiver.waitFor(
        (received) =>
          customers.every((customer) => idsByCustomer(secret, received).has(customer)) &&
          inFlight.every((id) => received.filter((request) => request.headers['webhook-id'] === id).length >= 2),
      );
      const byCustomer = idsByCustomer(secret, receiver.received);
      expect([...byCustomer.keys()].sort()).toEqual([...customers].sort());
      for (const ids of byCustomer.values()) expect(ids.size).toBe(1);
      // Each request the killed instance had open arrived again, under its id.
      for (const id of inFlight)
        expect(receiver.received.filter((request) => request.headers['webhook-id'] === id).length).toBeGreaterThanOrEqual(2);
    } finally {
      await clm.close();
    }
  }, 120_000);
});
