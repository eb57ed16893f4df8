import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { purchaseFunnelPreset, reachToLoyaltyPreset } from '@clm/schema';
import { createTestContext } from '../../../testing';
import type { TestContext } from '../../../testing';

describe('the lifecycle service', () => {
  let context: TestContext;
  beforeAll(async () => {
    context = await createTestContext();
  });
  afterAll(async () => {
    await context.close();
  });

  const record = (items: Array<{ id: string; customer: string; type: string; at: string; value?: number }>) =>
    context.services.ingest.record(
      items.map((item) => ({
        messageId: item.id,
        customer: { externalId: item.customer },
        type: item.type,
        channel: 'web',
        occurredAt: item.at,
        value: item.value ?? null,
      })),
      (index) => `touchpoints[${index}]`,
    );
  const transitionsOf = (externalId: string) =>
    context.db.query(
      `SELECT t.from_stage, t.to_stage, t.occurred_at, t.cause, t.rule_id, t.actor, t.reason FROM stage_transitions t
         JOIN customers c ON c.id = t.customer_id WHERE c.external_id = $1 ORDER BY t.id`,
      [externalId],
    );

  it('sweeps inactive customers to at-risk and churned, dated when each threshold was crossed', async () => {
    await record([
      { id: 's-1', customer: 'sleepy', type: 'purchase', at: '2026-01-01T00:00:00Z', value: 20 },
      { id: 's-2', customer: 'dozy', type: 'purchase', at: '2026-03-01T00:00:00Z', value: 20 },
      { id: 's-3', customer: 'visitor', type: 'page_view', at: '2026-01-01T00:00:00Z' },
    ]);
    // As of 2026-05-05: sleepy last seen 124 days ago (at-risk at day 60, churned at day 120); dozy 65 days ago; the visitor is never swept (awareness).
    const result = await context.services.lifecycle.runInactivitySweep(new Date('2026-05-05T00:00:00Z'));
    expect(result).toEqual({ examined: 2, atRisk: 2, churned: 1 });
    expect(await transitionsOf('sleepy')).toEqual([
      {
        from_stage: null,
        to_stage: 'acquisition',
        occurred_at: new Date('2026-01-01T00:00:00Z'),
        cause: 'touchpoint',
        rule_id: 'acquired',
        actor: null,
        reason: null,
      },
      {
        from_stage: 'acquisition',
        to_stage: 'at-risk',
        occurred_at: new Date('2026-03-02T00:00:00Z'),
        cause: 'inactivity',
        rule_id: 'inactivity-at-risk',
        actor: null,
        reason: null,
      },
      {
        from_stage: 'at-risk',
        to_stage: 'churned',
        occurred_at: new Date('2026-05-01T00:00:00Z'),
        cause: 'inactivity',
        rule_id: 'inactivity-churned',
        actor: null,
        reason: null,
      },
    ]);
    expect(await context.services.lifecycle.runInactivitySweep(new Date('2026-05-05T00:00:00Z'))).toEqual({
      examined: 0,
      atRisk: 0,
      churned: 0,
    });
  });

  it('wins back a churned customer with a purchase, and a late purchase never rewinds them', async () => {
    await record([{ id: 's-4', customer: 'sleepy', type: 'purchase', at: '2026-02-01T00:00:00Z', value: 5 }]);
    const [late] = await context.db.query(`SELECT stage FROM customers WHERE external_id = 'sleepy'`);
    expect(late.stage).toBe('churned');
    await record([{ id: 's-5', customer: 'sleepy', type: 'purchase', at: '2026-05-10T00:00:00Z', value: 30 }]);
    const [back] = await context.db.query(`SELECT stage, orders, revenue::float8 AS revenue FROM customers WHERE external_id = 'sleepy'`);
    expect(back).toEqual({ stage: 'retention', orders: 3, revenue: 55 });
    expect((await transitionsOf('sleepy')).at(-1)).toEqual({
      from_stage: 'churned',
      to_stage: 'retention',
      occurred_at: new Date('2026-05-10T00:00:00Z'),
      cause: 'touchpoint',
      rule_id: 'win-back',
      actor: null,
      reason: null,
    });
  });

  it('records who moved a customer by hand and why', async () => {
    const [{ id }] = await context.db.query(`SELECT id FROM customers WHERE external_id = 'visitor'`);
    await context.services.lifecycle.moveCustomer(id, 'advocacy', 'Spoke at our conference', 'ops-key', new Date('2026-06-01T00:00:00Z'));
    expect((await transitionsOf('visitor')).at(-1)).toEqual({
      from_stage: 'awareness',
      to_stage: 'advocacy',
      occurred_at: new Date('2026-06-01T00:00:00Z'),
      cause: 'manual',
      rule_id: null,
      actor: 'ops-key',
      reason: 'Spoke at our conference',
    });
    await expect(context.services.lifecycle.moveCustomer(id, 'nirvana', 'why not', 'ops-key')).rejects.toThrow(
      'to: "nirvana" is not a stage of the lifecycle model "classic"',
    );
  });

  it('refuses a sweep as of the future or of a date it cannot store, and moves nobody', async () => {
    const before = await context.db.query(`SELECT count(*)::int AS count FROM stage_transitions`);
    await expect(context.services.lifecycle.runInactivitySweep(new Date(Date.now() + 3_600_000))).rejects.toThrow(
      expect.objectContaining({
        code: 'INVALID_INPUT',
        message: expect.stringMatching(/^asOf: .* is in the future; sweep as of now or an earlier time$/),
      }),
    );
    await expect(context.services.lifecycle.runInactivitySweep(new Date('0000-01-01T00:00:00Z'))).rejects.toThrow(
      'asOf: must be a date between the years 0001 and 9999',
    );
    expect(await context.db.query(`SELECT count(*)::int AS count FROM stage_transitions`)).toEqual(before);
  });

  it('counts customers per stage and transitions per pair of stages in a time range', async () => {
    const overview = await context.services.lifecycle.overview(new Date('2026-03-01T00:00:00Z'), new Date('2026-05-10T00:00:00Z'));
    expect(overview.stages.map(({ stage, count }) => ({ stage, count }))).toEqual([
      { stage: 'awareness', count: 0 },
      { stage: 'acquisition', count: 0 },
      { stage: 'engagement', count: 0 },
      { stage: 'retention', count: 1 },
      { stage: 'advocacy', count: 1 },
      { stage: 'at-risk', count: 1 },
      { stage: 'churned', count: 0 },
    ]);
    expect(overview.total).toBe(3);
    expect(overview.transitions).toEqual([
      { from: 'acquisition', to: 'at-risk', count: 2 },
      { from: null, to: 'acquisition', count: 1 },
      { from: 'at-risk', to: 'churned', count: 1 },
    ]);
  });

  it('refuses a model that would strand customers, and accepts the same model once they are moved', async () => {
    await expect(context.services.models.replace(reachToLoyaltyPreset, 'admin')).rejects.toThrow(
      'the new model lacks stages customers are in: 1 in "advocacy"; keep those stages or move the customers first',
    );
    const [{ id }] = await context.db.query(`SELECT id FROM customers WHERE stage = 'advocacy'`);
    await context.services.lifecycle.moveCustomer(id, 'retention', 'Preparing the switch to reach-to-loyalty', 'admin');
    expect((await context.services.models.replace(reachToLoyaltyPreset, 'admin')).name).toBe('reach-to-loyalty');
    expect((await context.services.models.current()).stages.map((stage) => stage.key)).toEqual([
      'reach',
      'acquisition',
      'conversion',
      'retention',
      'loyalty',
    ]);
  });

  it('refuses a model without the stage at-risk customers would return to on win-back', async () => {
    const atRisk = await context.db.query<{ funnel_stage: string }>(`SELECT funnel_stage FROM customers WHERE stage = 'at-risk'`);
    expect(atRisk).toEqual([{ funnel_stage: 'acquisition' }]);
    const rejection = context.services.models.replace(
      { ...purchaseFunnelPreset, winBack: { ...purchaseFunnelPreset.winBack, to: null } },
      'admin',
    );
    await expect(rejection).rejects.toThrow(
      'the new model lacks stages customers are in: 1 at-risk or churned who would return to "acquisition" on win-back; keep those stages or move the customers first',
    );
    await expect(rejection).rejects.toMatchObject({
      details: {
        issues: [{ path: 'winBack.to', message: '1 at-risk or churned customer would return to stage "acquisition" on win-back' }],
      },
    });
  });

  it('refuses an invalid model, naming the field', async () => {
    const invalid = { ...purchaseFunnelPreset, rules: [{ ...purchaseFunnelPreset.rules[0], to: 'retension' }] };
    await expect(context.services.models.replace(invalid, 'admin')).rejects.toThrow('rules[0].to');
  });

  it('gives a stored or submitted model without an acquired stage the default, and refuses an off-path one', async () => {
    // The active model is reach-to-loyalty (replaced above); drop its acquiredStage as a model stored before the field existed.
    await context.db.execute(`UPDATE lifecycle_model SET definition = definition - 'acquiredStage' WHERE id = 1`);
    context.services.models.invalidate();
    expect((await context.services.models.current()).acquiredStage).toBe('conversion');

    const draft = { ...reachToLoyaltyPreset, acquiredStage: undefined };
    await context.services.models.replace(draft, 'admin');
    const [stored] = await context.db.query<{ acquired: string }>(`SELECT definition->>'acquiredStage' AS acquired FROM lifecycle_model`);
    expect(stored.acquired).toBe('conversion');

    const offPath = context.services.models.replace({ ...reachToLoyaltyPreset, acquiredStage: 'churned' }, 'admin');
    await expect(offPath).rejects.toThrow(
      'invalid lifecycle model: acquiredStage: the acquired stage must be a funnel stage, not "churned"',
    );
    await expect(offPath).rejects.toMatchObject({
      details: { issues: [{ path: 'acquiredStage', message: 'the acquired stage must be a funnel stage, not "churned"' }] },
    });
    expect((await context.services.models.current()).acquiredStage).toBe('conversion');
  });

  // Last: it adds a churned customer the tests above do not expect.
  it('sweeps a customer that a projection is referencing at that moment (a foreign-key check holds KEY SHARE)', async () => {
    await record([{ id: 'k-1', customer: 'referenced', type: 'purchase', at: '2025-06-01T00:00:00Z', value: 5 }]);
    const [customer] = await context.db.query<{ id: string }>(`SELECT id FROM customers WHERE external_id = 'referenced'`);
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked = () => {};
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    // Another transaction writes a row referencing the customer (as the metrics and segments projections do) and stays open.
    const projection = context.db.transaction(async (uow) => {
      await uow.query(`SELECT 1 FROM customers WHERE id = $1 FOR KEY SHARE`, [customer.id]);
      locked();
      await held;
    });
    await isLocked;
    try {
      const result = await context.services.lifecycle.runInactivitySweep(new Date('2026-01-01T00:00:00Z'));
      expect(result).toEqual({ examined: 1, atRisk: 1, churned: 1 });
      // Bought (into the model's acquired stage), then swept twice over.
      expect((await transitionsOf('referenced')).map((row) => (row as { to_stage: string }).to_stage).slice(1)).toEqual([
        'at-risk',
        'churned',
      ]);
    } finally {
      release();
      await projection;
    }
  });
});
