import type { ApiProcess } from '../support/api-process';
import { startClm } from '../support/clm';
import type { ClmEnvironment } from '../support/clm';
import { graphqlClient } from '../support/graphql-http';
import { subscribe } from '../support/graphql-ws';
import { createWarmUpCustomer, isWarmUp, STAGE_TRANSITIONS, waitUntilLive } from '../support/live-stream';
import type { TransitionEventData } from '../support/live-stream';

/*
 * Two API processes on one database, as behind a load balancer: what one
 * commits reaches the subscribers of the other.
 */

const RECORD = `mutation Record($input: TouchpointInput!) { recordTouchpoint(input: $input) { status customerId } }`;

describe('two API instances on one database', () => {
  let clm: ClmEnvironment;
  let instanceA: ApiProcess;
  let instanceB: ApiProcess;

  beforeAll(async () => {
    clm = await startClm();
    instanceA = clm.api;
    instanceB = await clm.startAnotherApi();
  });
  afterAll(async () => {
    await clm?.close();
  });

  it.each([
    ['B', 'A'],
    ['A', 'B'],
  ])(
    'delivers to a subscriber on instance %s the transitions of a touchpoint ingested through instance %s',
    async (subscriberName, writerName) => {
      const [subscriberApi, writerApi] = subscriberName === 'A' ? [instanceA, instanceB] : [instanceB, instanceA];
      const writer = graphqlClient(writerApi.graphqlUrl, writerApi.adminKey);
      const connection = clm.connectWs(subscriberApi.adminKey, { api: subscriberApi });
      const subscription = subscribe<TransitionEventData>(connection.client, STAGE_TRANSITIONS);
      await waitUntilLive(subscription, createWarmUpCustomer(writer));

      const externalId = `written-through-${writerName}`;
      const first = await writer.data<{ recordTouchpoint: { status: string; customerId: string } }>(RECORD, {
        input: {
          messageId: `${externalId}-1`,
          customer: { externalId },
          type: 'page_view',
          channel: 'web',
          occurredAt: '2025-09-01T10:00:00Z',
        },
      });
      await writer.data(RECORD, {
        input: {
          messageId: `${externalId}-2`,
          customer: { externalId },
          type: 'signup',
          channel: 'web',
          occurredAt: '2025-09-02T10:00:00Z',
        },
      });

      const ours = (data: readonly TransitionEventData[]) =>
        data.map((event) => event.stageTransitions.transition).filter((transition) => !isWarmUp(transition));
      await subscription.waitUntil((data) => ours(data).length >= 2);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(ours(subscription.data()).map(({ from, to, customerId, customer }) => ({ from, to, customerId, customer }))).toEqual([
        { from: null, to: 'awareness', customerId: first.recordTouchpoint.customerId, customer: { externalId } },
        { from: 'awareness', to: 'acquisition', customerId: first.recordTouchpoint.customerId, customer: { externalId } },
      ]);
      subscription.unsubscribe();
    },
  );
});
