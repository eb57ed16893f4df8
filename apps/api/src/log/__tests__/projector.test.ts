import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestContext } from '../../testing';
import type { TestContext } from '../../testing';
import { Projector } from '../projection';

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
});
