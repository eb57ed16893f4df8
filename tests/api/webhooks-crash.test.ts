import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Receiver } from '@clm/api/testing';
import type { Received } from '@clm/api/testing';
import { Webhook } from 'standardwebhooks';
import { startApi } from '../support/api-process';
import type { ApiProcess } from '../support/api-process';
import { startClm } from '../support/clm';
import type { ClmEnvironment } from '../support/clm';
import { graphqlClient } from '../support/graphql-http';
import type { GraphQLHttpClient } from '../support/graphql-http';

/*
 * At least once, from the log, across crashes: the API killed with SIGKILL
 * while its requests wait for the receiver's answers, and the database killed
 * while touchpoints keep coming. A real receiver on loopback (allowed with
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

/** Each request's verified payload, verified once (the receiver checks its waiters on every request). */
const verified = new WeakMap<Received, Payload>();

/**
 * The customers whose first stage change (to awareness) reached the
 * receiver, each with the webhook-ids it came under. Linear in what was
 * received: a waiter that verified every request for every customer made
 * the receiver itself too slow to answer within the sender's 15 s.
 */
function idsByCustomer(secret: string, received: readonly Received[]): Map<string, Set<string>> {
  const byCustomer = new Map<string, Set<string>>();
  for (const request of received) {
    const payload = verified.get(request) ?? (new Webhook(secret).verify(request.body, request.headers) as Payload);
    verified.set(request, payload);
    const externalId = payload.data.customer?.externalId ?? '';
    const ids = byCustomer.get(externalId) ?? new Set<string>();
    ids.add(request.headers['webhook-id']);
    byCustomer.set(externalId, ids);
  }
  return byCustomer;
}

/** Whether every one of `customers` reached the receiver. */
function reachedAll(secret: string, received: readonly Received[], customers: readonly string[]): boolean {
  const byCustomer = idsByCustomer(secret, received);
  return customers.every((customer) => byCustomer.has(customer));
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
          reachedAll(secret, received, customers) &&
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

  describe('on the embedded PostgreSQL', () => {
    let folder: string;
    let api: ApiProcess | undefined;

    beforeAll(async () => {
      folder = await mkdtemp(path.join(tmpdir(), 'clm-e2e-webhooks-'));
      await chmod(folder, 0o755);
    });
    afterAll(async () => {
      await api?.stop();
      await rm(folder, { recursive: true, force: true });
    });

    it('delivers every acknowledged event when the database is killed under load', async () => {
      const dataDir = path.join(folder, 'postgres');
      api = await startApi({ databaseUrl: '', env: { ...ALLOW, CLM_DATA_DIR: dataDir, CLM_SHUTDOWN_GRACE_MS: '' } });
      const admin = graphqlClient(api.graphqlUrl, api.adminKey);
      const secret = await register(admin, receiver);
      const acknowledged: string[] = [];
      let killedDatabase = false;
      for (let batch = 0; batch < 30; batch++) {
        const customers = Array.from({ length: 5 }, (_, index) => `load-${batch}-${index}`);
        // Sent again until answered: a batch that failed while the database was away is retried with the same messageIds.
        for (;;) {
          const answer = await admin.request<{ recordTouchpoints: { results: Array<{ status: string }> } }>(RECORD, {
            touchpoints: customers.map(visit),
          });
          const results = answer.body.data?.recordTouchpoints.results;
          if (results?.every((result) => result.status === 'ACCEPTED' || result.status === 'DUPLICATE')) break;
          await api.waitForLine((line) => line.json?.msg === 'the embedded PostgreSQL is running again', 30_000);
        }
        acknowledged.push(...customers);
        if (batch === 10 && !killedDatabase) {
          // Deliveries of the first batches are under way or queued when the server dies.
          await receiver.waitFor((received) => received.length >= 1);
          process.kill(Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]), 'SIGKILL');
          killedDatabase = true;
        }
      }
      await receiver.waitFor((received) => reachedAll(secret, received, acknowledged));
      const byCustomer = idsByCustomer(secret, receiver.received);
      expect([...byCustomer.keys()].sort()).toEqual([...acknowledged].sort());
      for (const ids of byCustomer.values()) expect(ids.size).toBe(1);
    }, 300_000);
  });
});
