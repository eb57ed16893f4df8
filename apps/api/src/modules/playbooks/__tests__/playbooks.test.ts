import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Scope } from '../../../core/principal';
import { Db } from '../../../database/db';
import { startTestServer } from '../../../testing';
import type { TestServer } from '../../../testing';
import { LOG_START, storedPosition } from '../../../log';
import { PLAYBOOKS_PROJECTION } from '../playbook.projection';
import { recordLogHits } from '../playbook.sql';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Every event is dated relative to the start of the run. */
const NOW = Date.now();
const daysAgo = (days: number) => new Date(NOW - days * DAY).toISOString();

type PlaybookData = { id: string; name: string; enabled: boolean };
type Outcome = {
  fired: number;
  firedReached: number;
  firedRate: number | null;
  heldOut: number;
  heldOutReached: number;
  heldOutRate: number | null;
  lift: number | null;
  open: number;
  pending: number;
  dropped: number;
};

const CREATE = `mutation ($input: CreatePlaybookInput!) { createPlaybook(input: $input) { id name enabled } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdatePlaybookInput!) { updatePlaybook(id: $id, input: $input) { id name enabled } }`;
const OUTCOME = `query ($id: ID!, $asOf: DateTime) { playbook(id: $id) { outcome(asOf: $asOf) {
  fired firedReached firedRate heldOut heldOutReached heldOutRate lift open pending dropped } } }`;

describe('playbooks', () => {
  let server: TestServer;
  const ids = new Map<string, string>();
  let sequence = 0;

  const record = async (items: Array<{ customer: string; type: string; days: number; value?: number }>) => {
    const results = await server.services.ingest.record(
      items.map((item) => ({
        messageId: `m${++sequence}`,
        customer: { externalId: item.customer },
        type: item.type,
        channel: 'web',
        occurredAt: daysAgo(item.days),
        value: item.value ?? null,
      })),
      (index) => `touchpoints[${index}]`,
    );
    for (const result of results) {
      if (result.status !== 'ACCEPTED') throw new Error(JSON.stringify(result));
      ids.set(items[result.index].customer, result.customerId as string);
    }
    await server.services.projector.catchUp();
  };

  const create = async (input: Record<string, unknown>): Promise<PlaybookData> => {
    const response = await server.graphql<{ createPlaybook: PlaybookData }>(CREATE, { input });
    if (!response.data) throw new Error(JSON.stringify(response.errors));
    return response.data.createPlaybook;
  };

  const setEnabled = async (id: string, enabled: boolean) => {
    const response = await server.graphql(UPDATE, { id, input: { enabled } });
    if (!response.data) throw new Error(JSON.stringify(response.errors));
  };

  /** The customers (by externalId) a playbook fired for, oldest firing first. */
  const firingsOf = async (playbookId: string): Promise<string[]> => {
    const byId = new Map([...ids].map(([externalId, id]) => [id, externalId]));
    const rows = await server.db.query<{ customer_id: string }>(
      `SELECT customer_id FROM playbook_firings WHERE playbook_id = $1 ORDER BY id`,
      [playbookId],
    );
    return rows.map((row) => byId.get(row.customer_id) ?? row.customer_id);
  };

  /** The customers (by externalId, sorted) of a playbook's hits, by state. */
  const hitStates = async (playbookId: string): Promise<Record<string, string[]>> => {
    const byId = new Map([...ids].map(([externalId, id]) => [id, externalId]));
    const rows = await server.db.query<{ customer_id: string; state: string }>(
      `SELECT customer_id, state FROM playbook_hits WHERE playbook_id = $1 ORDER BY due_at, id`,
      [playbookId],
    );
    const states: Record<string, string[]> = {};
    for (const row of rows) states[row.state] = [...(states[row.state] ?? []), byId.get(row.customer_id) ?? row.customer_id];
    for (const customers of Object.values(states)) customers.sort();
    return states;
  };

  const run = (asOf = new Date()) => server.services.playbookRunner.run(asOf);

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('creates, lists, changes and deletes playbooks; refuses bad ones naming every field, a taken name and a read key', async () => {
    const created = await create({ name: 'Welcome', trigger: { kind: 'STAGE_ENTERED', stage: 'acquisition' } });
    expect(created).toMatchObject({ name: 'Welcome', enabled: false });
    const listed = await server.graphql<{ playbooks: Array<{ name: string; trigger: unknown; cooldownDays: number }> }>(
      `{ playbooks { name trigger { kind stage days } cooldownDays outcomeDays delayHours } }`,
    );
    expect(listed.data?.playbooks).toEqual([
      {
        name: 'Welcome',
        trigger: { kind: 'STAGE_ENTERED', stage: 'acquisition', days: null },
        cooldownDays: 30,
        outcomeDays: 30,
        delayHours: 0,
      },
    ]);

    const bad = await server.graphql(CREATE, {
      input: { name: 'Bad', trigger: { kind: 'STUCK_IN_STAGE', stage: 'limbo', days: 0 }, cooldownDays: -3, outcomeDays: 1_000_000_000 },
    });
    expect(bad.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'input.trigger.stage' } });
    expect(bad.errors?.[0].message).toBe(
      'the playbook is invalid: input.trigger.stage: the lifecycle model has no stage "limbo" (its stages: awareness, acquisition, engagement, retention, advocacy, at-risk, churned); ' +
        'input.trigger.days: must be a whole number from 1 to 3650 (got 0); input.cooldownDays: must be a whole number from 1 to 3650 (got -3); ' +
        'input.outcomeDays: must be a whole number from 1 to 365 (got 1000000000)',
    );
    const unknownSegment = await server.graphql(CREATE, {
      input: { name: 'Bad', trigger: { kind: 'SEGMENT_ENTERED', segmentId: '00000000-0000-4000-8000-000000000000' } },
    });
    expect(unknownSegment.errors?.[0].message).toBe(
      'the playbook is invalid: input.trigger.segmentId: no segment with id "00000000-0000-4000-8000-000000000000"',
    );
    const taken = await server.graphql(CREATE, { input: { name: 'WELCOME', trigger: { kind: 'NO_TOUCHPOINT', days: 3 } } });
    expect(taken.errors?.[0]).toMatchObject({
      message: 'input.name: another playbook is already named "WELCOME"',
      extensions: { code: 'CONFLICT' },
    });
    const readKey = await server.createKey([Scope.READ]);
    const refused = await server.graphql(CREATE, { input: { name: 'Sneaky', trigger: { kind: 'NO_TOUCHPOINT', days: 3 } } }, readKey);
    expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');

    const changed = await server.graphql<{ updatePlaybook: PlaybookData }>(UPDATE, {
      id: created.id,
      input: { enabled: true, name: 'Hello' },
    });
    expect(changed.data?.updatePlaybook).toEqual({ id: created.id, name: 'Hello', enabled: true });
    const badChange = await server.graphql(UPDATE, { id: created.id, input: { trigger: { kind: 'NO_TOUCHPOINT' } } });
    expect(badChange.errors?.[0].message).toBe('the playbook is invalid: input.trigger.days: a NO_TOUCHPOINT trigger needs it');
    const missing = await server.graphql(UPDATE, { id: '00000000-0000-4000-8000-000000000000', input: { enabled: true } });
    expect(missing.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const deleted = await server.graphql(`mutation ($id: ID!) { deletePlaybook(id: $id) }`, { id: created.id });
    expect(deleted.data).toEqual({ deletePlaybook: true });
    const again = await server.graphql(`mutation ($id: ID!) { deletePlaybook(id: $id) }`, { id: created.id });
    expect(again.data).toEqual({ deletePlaybook: false });
  });

  it('offers the presets for the current model and marks the ones in use', async () => {
    const response = await server.graphql<{
      playbookPresets: Array<{ key: string; trigger: { kind: string; stage: string | null }; inUse: boolean }>;
    }>(`{ playbookPresets { key trigger { kind stage } inUse } }`);
    expect(response.data?.playbookPresets.map((preset) => preset.key)).toEqual([
      'welcome',
      'post-purchase-survey',
      'win-back',
      'review-request',
      'stuck-in-engagement',
    ]);
    await create({ name: 'Win-back', preset: 'win-back', trigger: { kind: 'STAGE_ENTERED', stage: 'at-risk' } });
    const after = await server.graphql<{ playbookPresets: Array<{ key: string; inUse: boolean }> }>(`{ playbookPresets { key inUse } }`);
    expect(after.data?.playbookPresets.filter((preset) => preset.inUse).map((preset) => preset.key)).toEqual(['win-back']);
  });

  it('fires once per stage entry, from the transition log, and shows the firing on the customer’s timeline', async () => {
    const playbook = await create({ name: 'Advocates', enabled: true, trigger: { kind: 'STAGE_ENTERED', stage: 'advocacy' } });
    await record([{ customer: 'ada', type: 'page_view', days: 1 }]);
    await server.services.lifecycle.moveCustomer(ids.get('ada') as string, 'advocacy', 'spoke at our conference', 'test');
    await server.services.projector.catchUp();
    expect(await run()).toMatchObject({ fired: 1 });
    // The log consumed again and the schedule run again change nothing.
    expect(await run()).toMatchObject({ found: 0, fired: 0, off: 0, limited: 0, dropped: 0 });
    expect(await firingsOf(playbook.id)).toEqual(['ada']);
    // The same stretch of the transition log applied again (a step retried after a crash) records no second hit.
    const upTo = await storedPosition(server.db, PLAYBOOKS_PROJECTION, 'stage_transitions');
    expect(await recordLogHits(server.db, 'transitions', { after: LOG_START, upTo })).toBe(0);
    const timeline = await server.graphql<{
      customer: { playbookFirings: Array<{ playbookName: string; trigger: { kind: string; stage: string } }> };
    }>(`query ($id: ID!) { customer(id: $id) { playbookFirings { playbookName triggerKey trigger { kind stage } } } }`, {
      id: ids.get('ada'),
    });
    expect(timeline.data?.customer.playbookFirings).toEqual([
      {
        playbookName: 'Advocates',
        triggerKey: expect.stringMatching(/^transition:\d+$/),
        trigger: { kind: 'STAGE_ENTERED', stage: 'advocacy' },
      },
    ]);
  });

  it('waits for the delay, re-checks the trigger when due and drops a customer who moved on', async () => {
    const playbook = await create({
      name: 'Late win-back',
      enabled: true,
      delayHours: 24,
      trigger: { kind: 'STAGE_ENTERED', stage: 'at-risk' },
    });
    await record([
      { customer: 'bo', type: 'signup', days: 3 },
      { customer: 'cy', type: 'signup', days: 3 },
    ]);
    await server.services.lifecycle.moveCustomer(ids.get('bo') as string, 'at-risk', 'quiet', 'test');
    await server.services.lifecycle.moveCustomer(ids.get('cy') as string, 'at-risk', 'quiet', 'test');
    await server.services.projector.catchUp();
    await run();
    expect(await hitStates(playbook.id)).toEqual({ pending: ['bo', 'cy'] });
    await server.services.lifecycle.moveCustomer(ids.get('cy') as string, 'retention', 'renewed by phone', 'test');
    // Decided by a runner on connections of its own, as an instance started after a restart would: the delay is stored.
    const restarted = Db.open({ url: server.url, poolSize: 2, onError: () => undefined });
    try {
      await server.services.playbookRunner.on(restarted.forKind('background')).run(new Date(Date.now() + 25 * HOUR));
    } finally {
      await restarted.end();
    }
    expect(await hitStates(playbook.id)).toEqual({ fired: ['bo'], dropped: ['cy'] });
    expect(await firingsOf(playbook.id)).toEqual(['bo']);
  });

  it('alerts on a customer stuck in a stage for N days once per stay, and on N days without a touchpoint, from the schedule', async () => {
    const stuck = await create({ name: 'Stuck', enabled: true, trigger: { kind: 'STUCK_IN_STAGE', stage: 'engagement', days: 14 } });
    const idle = await create({ name: 'Quiet', enabled: true, trigger: { kind: 'NO_TOUCHPOINT', days: 30 } });
    await record([
      { customer: 'dee', type: 'signup', days: 2 },
      { customer: 'dee', type: 'login', days: 1 },
    ]);
    await run(new Date(NOW + 12 * DAY));
    expect(await firingsOf(stuck.id)).toEqual([]);
    await run(new Date(NOW + 13.5 * DAY));
    await run(new Date(NOW + 20 * DAY));
    expect(await firingsOf(stuck.id)).toEqual(['dee']);
    // Everyone last seen at least 30 days before the run; dee's last touchpoint was a day ago.
    await run(new Date(NOW + 29.5 * DAY));
    expect((await firingsOf(idle.id)).includes('dee')).toBe(true);
    const idleFirings = await firingsOf(idle.id);
    await run(new Date(NOW + 40 * DAY));
    expect(await firingsOf(idle.id)).toEqual(idleFirings);
  });

  it('fires on segment entry and exit, from the membership log', async () => {
    const segment = await server.graphql<{ createSegment: { id: string } }>(
      `mutation ($input: CreateSegmentInput!) { createSegment(input: $input) { id } }`,
      { input: { name: 'Pro', rule: { attribute: { name: 'plan', operator: 'EQ', value: 'pro' } } } },
    );
    const segmentId = segment.data?.createSegment.id as string;
    const entered = await create({ name: 'Went pro', enabled: true, trigger: { kind: 'SEGMENT_ENTERED', segmentId } });
    const left = await create({ name: 'Left pro', enabled: true, trigger: { kind: 'SEGMENT_EXITED', segmentId } });
    await record([{ customer: 'eve', type: 'page_view', days: 1 }]);
    await server.services.customers.update(ids.get('eve') as string, { attributes: { plan: 'pro' } });
    await server.services.projector.catchUp();
    await run();
    await server.services.customers.update(ids.get('eve') as string, { attributes: { plan: 'free' } });
    await server.services.projector.catchUp();
    await run();
    expect([await firingsOf(entered.id), await firingsOf(left.id)]).toEqual([['eve'], ['eve']]);
  });

  it('measures the outcome: fired against the holdout met while it was off or limited, by hand-computed windows', async () => {
    // Signups trigger it; a purchase within 10 days of the signup is the outcome.
    const playbook = await create({
      name: 'Onboarding',
      trigger: { kind: 'TOUCHPOINT', touchpointType: 'signup' },
      cooldownDays: 30,
      outcomeDays: 10,
    });
    // Off: h1 buys 5 days after (in the window), h2 20 days after (outside), h3 never.
    await record([
      { customer: 'h1', type: 'signup', days: 40 },
      { customer: 'h2', type: 'signup', days: 40 },
      { customer: 'h3', type: 'signup', days: 40 },
    ]);
    await run();
    await setEnabled(playbook.id, true);
    // On: f1, f2, f3 buy within 10 days (5, 9, 8 days after), f4 never. f1 signs up again 2 days later: limited (holdout),
    // and its purchase 3 days after that second signup is in that window too. o1 signed up 5 days ago: window still open.
    await record([
      { customer: 'f1', type: 'signup', days: 30 },
      { customer: 'f2', type: 'signup', days: 30 },
      { customer: 'f3', type: 'signup', days: 30 },
      { customer: 'f4', type: 'signup', days: 30 },
      { customer: 'f1', type: 'signup', days: 28 },
      { customer: 'o1', type: 'signup', days: 5 },
    ]);
    await run();
    await record([
      { customer: 'h1', type: 'purchase', days: 35, value: 10 },
      { customer: 'h2', type: 'purchase', days: 20, value: 10 },
      { customer: 'f1', type: 'purchase', days: 25, value: 10 },
      { customer: 'f2', type: 'purchase', days: 21, value: 10 },
      { customer: 'f3', type: 'purchase', days: 22, value: 10 },
    ]);
    expect(await hitStates(playbook.id)).toEqual({ off: ['h1', 'h2', 'h3'], fired: ['f1', 'f2', 'f3', 'f4', 'o1'], limited: ['f1'] });
    const response = await server.graphql<{ playbook: { outcome: Outcome } }>(OUTCOME, {
      id: playbook.id,
      asOf: new Date(NOW).toISOString(),
    });
    // Fired: f1, f2, f3 reached, f4 did not: 3 of 4. Holdout: h1 and f1's second signup reached, h2 and h3 did not: 2 of 4.
    expect(response.data?.playbook.outcome).toEqual({
      fired: 4,
      firedReached: 3,
      firedRate: 0.75,
      heldOut: 4,
      heldOutReached: 2,
      heldOutRate: 0.5,
      lift: 0.25,
      open: 1,
      pending: 0,
      dropped: 0,
    });
  });

  it('queues each firing as a playbook.fired webhook event for the endpoints that want it, with the customer', async () => {
    // An endpoint as the webhooks module stores one (its registration API is the webhooks module's).
    const [endpoint] = await server.db.query<{ id: string }>(
      `INSERT INTO webhook_endpoints (url, event_types, secret) VALUES ('https://example.com/hooks', '{playbook.fired}', 'whsec_x') RETURNING id`,
    );
    const playbook = await create({ name: 'Referral thanks', enabled: true, trigger: { kind: 'TOUCHPOINT', touchpointType: 'referral' } });
    await record([{ customer: 'gus', type: 'referral', days: 0.5 }]);
    await run();
    await server.services.projector.catchUp();
    const rows = await server.db.query<{ body: string; state: string }>(
      `SELECT m.body, d.state FROM webhook_deliveries d JOIN webhook_messages m ON m.id = d.message_id WHERE d.endpoint_id = $1`,
      [endpoint.id],
    );
    expect(rows.map((row) => row.state)).toEqual(['pending']);
    const body = JSON.parse(rows[0].body) as { type: string; data: Record<string, unknown> & { customer: { externalId: string } } };
    expect(body.type).toBe('playbook.fired');
    expect(body.data).toMatchObject({
      playbookId: playbook.id,
      playbookName: 'Referral thanks',
      trigger: { kind: 'TOUCHPOINT', touchpointType: 'referral', nth: null },
      triggerKey: expect.stringMatching(/^touchpoint:\d+$/),
      customer: { externalId: 'gus' },
    });
  });

  it('never fires twice with two instances deciding the same schedule on one database', async () => {
    // Alone on the schedule: the playbooks of the tests before would fire too.
    for (const earlier of await server.services.playbooks.list()) await server.services.playbooks.delete(earlier.id);
    const playbook = await create({
      name: 'Two instances',
      enabled: true,
      trigger: { kind: 'TOUCHPOINT', touchpointType: 'trial_started' },
      cooldownDays: 30,
    });
    // 150 customers with two trials each, a day apart: 300 hits, of which exactly one per customer may fire.
    const items = Array.from({ length: 150 }, (_, index) => [
      { customer: `t${index}`, type: 'trial_started', days: 3 },
      { customer: `t${index}`, type: 'trial_started', days: 2 },
    ]).flat();
    await record(items);
    const other = Db.open({ url: server.url, poolSize: 4, onError: () => undefined });
    try {
      const runners = [server.services.playbookRunner, server.services.playbookRunner.on(other.forKind('background'))];
      const summaries = await Promise.all(runners.map((runner) => runner.run()));
      expect(summaries.reduce((sum, summary) => sum + summary.fired, 0)).toBe(150);
      expect(summaries.reduce((sum, summary) => sum + summary.limited, 0)).toBe(150);
      const [counts] = await server.db.query<{ firings: number; customers: number; hits: number }>(
        `SELECT count(*)::int AS firings, count(DISTINCT customer_id)::int AS customers, count(DISTINCT hit_id)::int AS hits
           FROM playbook_firings WHERE playbook_id = $1`,
        [playbook.id],
      );
      expect(counts).toEqual({ firings: 150, customers: 150, hits: 150 });
    } finally {
      await other.end();
    }
  });
});
