import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestContext } from '../../../testing';
import type { TestContext } from '../../../testing';
import { listFailures } from '../../../log/projection-failures';
import { METRICS_PROJECTION } from '../metrics.projection';

/*
 * A transition the metrics projection cannot apply is recorded and retried
 * later; the customer's later transitions must not be folded before it, or
 * the retried one would put the customer back in an earlier stage. The
 * result after the retry must be exactly what applying the log in order
 * gives: checked against a rebuild of the projection from scratch.
 */

const DAY = 86_400_000;

describe('the metrics projection with a transition it cannot apply at first', () => {
  let context: TestContext;

  beforeAll(async () => {
    context = await createTestContext();
    // The poison: while a row is in test_poison, recording that a customer entered the engagement stage fails.
    await context.db.query(`
      CREATE TABLE test_poison (on_stage text PRIMARY KEY);
      CREATE FUNCTION test_poison() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF EXISTS (SELECT 1 FROM test_poison p WHERE p.on_stage = NEW.stage) THEN RAISE EXCEPTION 'poisoned stage %', NEW.stage; END IF;
          RETURN NEW;
        END $$;
      CREATE TRIGGER test_poison BEFORE INSERT ON metric_stage_entries FOR EACH ROW EXECUTE FUNCTION test_poison();
      INSERT INTO test_poison VALUES ('engagement');`);
  });
  afterAll(async () => {
    await context.close();
  });

  /**
   * Every row of the metrics projection's tables, as sorted JSON text per table. A funnel count that went up and back
   * down to 0 (a customer passing through a stage) is the same as no row: those are left out; so is a running total
   * equal to the day's before (changes that summed to nothing on that day, in one step or several).
   */
  async function projected(): Promise<Record<string, string[]>> {
    const tables = await context.db.query<{ name: string }>(
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND (tablename LIKE 'metric\\_%' OR tablename = 'customer_acquisitions')
        ORDER BY tablename`,
    );
    const result: Record<string, string[]> = {};
    for (const { name } of tables) {
      const zero = name === 'metric_funnel_daily' ? 'WHERE t.customers <> 0' : '';
      const from =
        name === 'metric_running_totals'
          ? `(SELECT measure, key, day, total FROM (SELECT *, lag(total, 1, 0::numeric) OVER (PARTITION BY measure, key ORDER BY day) AS before
                                                      FROM metric_running_totals) r WHERE total <> before)`
          : name;
      const rows = await context.db.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM ${from} t ${zero}`);
      result[name] = rows.map((row) => row.row).sort();
    }
    return result;
  }

  it('holds back the later transitions of the customer, and after the retry equals the projection rebuilt in log order', async () => {
    const { customers, lifecycle, projector } = context.services;
    await projector.catchUp();
    const start = Date.UTC(2026, 2, 1);
    const [poisoned, control] = await projector.whilePaused(async () => {
      const created = [await customers.create({ externalId: 'poisoned' }), await customers.create({ externalId: 'control' })];
      for (const customer of created) {
        // Four transitions each: entry, then acquisition, engagement and retention a day apart.
        for (const [index, stage] of ['acquisition', 'engagement', 'retention'].entries())
          await lifecycle.moveCustomer(customer.id, stage, 'test', 'tester', new Date(start + (index + 1) * DAY));
      }
      return created;
    });
    await projector.catchUp();

    // Both customers' engagement failed; their retention waits behind it. Their entry and acquisition are applied.
    const failures = await listFailures(context.db, METRICS_PROJECTION, 100);
    expect(failures.map((failure) => failure.error).sort()).toEqual([
      'held back: an earlier row of the same customer_id is not applied yet (see projectionFailures)',
      'held back: an earlier row of the same customer_id is not applied yet (see projectionFailures)',
      'poisoned stage engagement (SQLSTATE P0001)',
      'poisoned stage engagement (SQLSTATE P0001)',
    ]);
    const stage = async (customerId: string) =>
      (await context.db.query<{ stage: string }>(`SELECT stage FROM metric_customers WHERE customer_id = $1`, [customerId]))[0]?.stage;
    expect(await stage(poisoned.id)).toBe('acquisition');

    // The cause fixed: the retry applies the four rows in log order.
    await context.db.query(`DELETE FROM test_poison`);
    expect(await projector.retryFailures(METRICS_PROJECTION)).toEqual({ retried: 4, applied: 4 });
    expect(await listFailures(context.db, METRICS_PROJECTION, 100)).toEqual([]);
    expect(await stage(poisoned.id)).toBe('retention');
    expect(await stage(control.id)).toBe('retention');
    const afterRetry = await projected();

    // The same log applied from scratch, in order, with nothing failing.
    await projector.whilePaused(async () => {
      const tables = Object.keys(afterRetry).join(', ');
      await context.db.query(`TRUNCATE ${tables}; DELETE FROM projection_positions WHERE projection = '${METRICS_PROJECTION}'`);
    });
    await projector.catchUp();
    expect(await projected()).toEqual(afterRetry);
  });
});
