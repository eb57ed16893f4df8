import { startClm } from '../support/clm';
import type { ClmEnvironment } from '../support/clm';
import { queryDatabase } from '../support/database';
import { subscribe } from '../support/graphql-ws';
import { STAGE_TRANSITIONS } from '../support/live-stream';
import type { TransitionEventData } from '../support/live-stream';

/*
 * The demo as a first-time user meets it: the built API started with
 * CLM_DEMO=1 on an empty database (external, so the flag is what turns the
 * demo on) loads the demo business in the background, says how far it got,
 * and then keeps customers moving.
 */

const DEMO_CUSTOMERS = 5000;
const LOAD_TIMEOUT_MS = 55_000;

describe('clm started with CLM_DEMO=1 on an empty database', () => {
  let clm: ClmEnvironment;

  beforeAll(async () => {
    clm = await startClm({ env: { CLM_DEMO: '1' } });
  });
  afterAll(async () => {
    await clm?.close();
  });

  it(
    'loads the 5,000 customers of the demo business through ingest, logging its progress every 10%',
    async () => {
      const loaded = await clm.api.waitForLine((line) => line.json?.msg === 'demo: loaded', LOAD_TIMEOUT_MS);
      expect(loaded.json).toMatchObject({ stopped: false, customers: DEMO_CUSTOMERS, campaigns: 8, segments: 3 });
      const percents = clm.api
        .lines()
        .filter((line) => line.json?.msg === 'demo: loading')
        .map((line) => line.json?.percent);
      expect(percents.length).toBeGreaterThanOrEqual(9);
      expect(percents[percents.length - 1]).toBe(100);

      const [demo] = await queryDatabase<{ customers: number; touchpoints: number }>(
        clm.database.url,
        `SELECT count(*)::int AS customers, sum((SELECT count(*) FROM touchpoints t WHERE t.customer_id = c.id))::int AS touchpoints
         FROM customers c JOIN customer_identities i ON i.customer_id = c.id AND i.kind = 'anonymous_id' AND i.value ~ '^visitor-[0-9]{5}$'`,
      );
      expect(demo.customers).toBe(DEMO_CUSTOMERS);
      // The simulator's touchpoints of demo customers come on top of the plan's.
      expect(demo.touchpoints).toBeGreaterThanOrEqual(Number(loaded.json?.touchpoints));
      const { customers } = await clm.admin.data<{ customers: { totalCount: number } }>(`{ customers { totalCount } }`);
      expect(customers.totalCount).toBeGreaterThanOrEqual(DEMO_CUSTOMERS);
    },
    LOAD_TIMEOUT_MS + 10_000,
  );

  it('keeps sending touchpoints: transitions arrive on the live stream second after second', async () => {
    const connection = clm.connectWs(clm.api.adminKey);
    const transitions = subscribe<TransitionEventData>(connection.client, STAGE_TRANSITIONS);
    try {
      const first = await transitions.waitUntil((data) => data.length >= 1, 15_000);
      const later = await transitions.waitUntil((data) => data.length >= first.length + 3, 15_000);
      const customers = new Set(later.map((event) => event.stageTransitions.transition.customerId));
      expect(customers.size).toBeGreaterThanOrEqual(2);
    } finally {
      transitions.unsubscribe();
    }
  });

  it('stops the simulator first on SIGTERM and exits with 0', async () => {
    expect(await clm.api.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const messages = clm.api.lines().map((line) => line.json?.msg);
    const simulatorStopped = messages.indexOf('demo: the simulator stopped');
    expect(simulatorStopped).toBeGreaterThan(messages.indexOf('shutting down'));
    expect(messages.indexOf('stopped')).toBeGreaterThan(simulatorStopped);
    // Its last batch committed before the pool closed: no tick failed on the way down.
    expect(messages).not.toContain('demo: the simulator could not send its touchpoints');
  });
});
