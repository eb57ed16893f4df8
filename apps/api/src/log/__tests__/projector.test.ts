import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createTestContext } from '../../testing';
import type { TestContext } from '../../testing';
import { Projector } from '../projection';
import type { FailedRow } from '../projection-failures';
import { listFailures } from '../projection-failures';

describe('the projector', () => {
  let context: TestContext;
  beforeAll(async () => {
    context = await createTestContext();
    await context.db.query(`INSERT INTO customers (id, email) VALUES ('00000000-0000-4000-8000-00000000000a', 'projector@example.com')`);
    await context.db.query(
      `INSERT INTO stage_transitions (customer_id, from_stage, to_stage, occurred_at, cause)
       SELECT '00000000-0000-4000-8000-00000000000a', NULL, 'awareness', now(), 'manual' FROM generate_series(1, 3)`,
    );
  });
  afterAll(async () => {
    await context.close();
  });

  it('commits a lazy projection without waiting for the disk and every other one durably, applying each row once', async () => {
    const projector = new Projector(context.db, {
      onError: (error) => {
        throw error;
      },
    });
    const seen: Record<string, { settings: string[]; rows: number }> = {
      lazy: { settings: [], rows: 0 },
      durable: { settings: [], rows: 0 },
    };
    const log = { name: 'stage_transitions', table: 'stage_transitions' };
    for (const name of ['lazy', 'durable'] as const) {
      projector.followRange(
        `test-${name}`,
        log,
        async (uow, range) => {
          const [row] = await uow.query<{ setting: string; rows: number }>(
            `SELECT current_setting('synchronous_commit') AS setting,
                    (SELECT count(*)::int FROM stage_transitions e WHERE (e.tx_id, e.id) > ($1::xid8, $2::bigint) AND (e.tx_id, e.id) <= ($3::xid8, $4::bigint)) AS rows`,
            [range.after.txId.toString(), range.after.id.toString(), range.upTo.txId.toString(), range.upTo.id.toString()],
          );
          seen[name].settings.push(row.setting);
          seen[name].rows += row.rows;
        },
        { lazyCommit: name === 'lazy' },
      );
    }
    await projector.catchUp();
    await projector.catchUp();
    await projector.stop();
    expect(seen).toEqual({ lazy: { settings: ['off'], rows: 3 }, durable: { settings: ['on'], rows: 3 } });
  });

  describe('with rows it cannot apply', () => {
    const PROJECTION = 'test-poison';
    const log = { name: 'test_log', table: 'test_log' };

    beforeAll(async () => {
      await context.db.query(`
        CREATE TABLE test_log (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tx_id xid8 NOT NULL DEFAULT pg_current_xact_id(), poison boolean NOT NULL);
        CREATE INDEX ON test_log (tx_id, id);
        CREATE TABLE test_applied (id bigint PRIMARY KEY);`);
    });

    /** A projector whose one projection copies log rows into test_applied, and fails (division by zero) on a stretch holding a poison row. */
    function poisonProjector(batchSize: number, failed: FailedRow[]): Projector {
      const projector = new Projector(context.db, {
        batchSize,
        onError: (error) => {
          throw error;
        },
        onRowFailed: (row) => failed.push(row),
      });
      return projector.followRange(PROJECTION, log, async (uow, range) => {
        const bounds = [range.after.txId.toString(), range.after.id.toString(), range.upTo.txId.toString(), range.upTo.id.toString()];
        const inRange = `(e.tx_id, e.id) > ($1::xid8, $2::bigint) AND (e.tx_id, e.id) <= ($3::xid8, $4::bigint)`;
        await uow.execute(`INSERT INTO test_applied SELECT e.id FROM test_log e WHERE ${inRange}`, bounds);
        await uow.query(`SELECT 1 / (CASE WHEN EXISTS (SELECT 1 FROM test_log e WHERE ${inRange} AND e.poison) THEN 0 ELSE 1 END)`, bounds);
      });
    }

    it('apply every good row exactly once and record every poison row, whatever the batches and where the poison sits; a retry after the fix applies the rest', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 }),
          fc.integer({ min: 1, max: 8 }),
          async (transactions, batchSize) => {
            await context.db.query(`TRUNCATE test_log, test_applied; DELETE FROM projection_positions WHERE projection = '${PROJECTION}';
                                    DELETE FROM projection_failures WHERE projection = '${PROJECTION}'`);
            for (const poison of transactions)
              await context.db.query(`INSERT INTO test_log (poison) SELECT unnest($1::boolean[])`, [poison]);
            const failed: FailedRow[] = [];
            const projector = poisonProjector(batchSize, failed);
            await projector.catchUp();
            const ids = async (sql: string) => (await context.db.query<{ id: string }>(sql)).map((row) => Number(row.id));
            const good = await ids(`SELECT id FROM test_log WHERE NOT poison ORDER BY id`);
            const poison = await ids(`SELECT id FROM test_log WHERE poison ORDER BY id`);
            expect(await ids(`SELECT id FROM test_applied ORDER BY id`)).toEqual(good);
            const recorded = await listFailures(context.db, PROJECTION, 1000);
            expect(recorded.map((failure) => Number(failure.position.id)).sort((a, b) => a - b)).toEqual(poison);
            expect(new Set(recorded.map((failure) => failure.error))).toEqual(
              new Set(poison.length === 0 ? [] : ['division by zero (SQLSTATE 22012)']),
            );
            expect(failed.map((row) => Number(row.position.id)).sort((a, b) => a - b)).toEqual(poison);

            // Still failing: kept, with one more attempt.
            expect(await projector.retryFailures(PROJECTION)).toEqual({ retried: poison.length, applied: 0 });
            expect((await listFailures(context.db, PROJECTION, 1000)).map((failure) => failure.attempts)).toEqual(poison.map(() => 2));
            // The cause fixed: every row applied once, no failure left.
            await context.db.query(`UPDATE test_log SET poison = false`);
            expect(await projector.retryFailures(PROJECTION)).toEqual({ retried: poison.length, applied: poison.length });
            expect(await ids(`SELECT id FROM test_applied ORDER BY id`)).toEqual(await ids(`SELECT id FROM test_log ORDER BY id`));
            expect(await listFailures(context.db, PROJECTION, 1000)).toEqual([]);
            await projector.stop();
          },
        ),
        { numRuns: 40 },
      );
    });

    it('never isolate a row for an error that is not its fault: the database going away fails the whole step, which applies nothing', async () => {
      await context.db.query(`TRUNCATE test_log, test_applied; DELETE FROM projection_positions WHERE projection = '${PROJECTION}'`);
      await context.db.query(`INSERT INTO test_log (poison) VALUES (false), (false)`);
      const failed: FailedRow[] = [];
      const projector = new Projector(context.db, { onError: () => undefined, onRowFailed: (row) => failed.push(row) }).followRange(
        PROJECTION,
        log,
        async (uow) => {
          await uow.execute(`INSERT INTO test_applied VALUES (-1)`);
          throw Object.assign(new Error('the database is shutting down'), { code: '57P01' });
        },
      );
      await expect(projector.catchUp()).rejects.toThrow('the database is shutting down');
      await projector.stop();
      expect(failed).toEqual([]);
      expect(await context.db.query(`SELECT id FROM test_applied`)).toEqual([]);
      expect(await listFailures(context.db, PROJECTION, 10)).toEqual([]);
    });
  });
});
