import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { CursorDecoder } from './api-services.js';
import { field } from '../shared/json.js';
import { query as graphqlQuery } from '../shared/graphql.js';

const RECORD = `mutation Record($touchpoints: [TouchpointInput!]!) {
  recordTouchpoints(touchpoints: $touchpoints) { accepted rejected results { status error { field message } } }
}`;
const POLL = `query Lag($day: String!) {
  metrics(range: { from: $day, to: $day }) { exactUpTo { touchpoints } newCustomers { total } sales { total } }
}`;

export type LagResult = {
  batches: number;
  customersPerBatch: number;
  /** Per batch: ms from the mutation's answer until the metrics showed the whole batch. */
  lagMs: number[];
  polls: number;
};

type Poll = { position: { txId: bigint; id: bigint }; newCustomers: number; sales: number };

/**
 * The projection's lag as a client sees it: each batch (new customers, each
 * with a page view and a first purchase, dated now) goes in through
 * `recordTouchpoints`; then `metrics { exactUpTo newCustomers sales }` for
 * today is polled until its touchpoint cursor has passed the batch's last
 * touchpoint and the batch's customers and sales are counted.
 */
export async function measureLag(
  url: string,
  key: string,
  client: pg.Client,
  options: { batches: number; customersPerBatch: number; timeoutMs: number; decodeCursor: CursorDecoder },
): Promise<LagResult> {
  const run = randomBytes(4).toString('hex');
  const lagMs: number[] = [];
  let polls = 0;
  for (let batch = 0; batch < options.batches; batch++) {
    const now = new Date();
    const day = now.toISOString().slice(0, 10);
    const before = await poll(url, key, day, options.decodeCursor);
    const touchpoints = [];
    let salesCents = 0;
    for (let i = 0; i < options.customersPerBatch; i++) {
      const customer = { externalId: `lag-${run}-${batch}-${i}` };
      const at = new Date(now.getTime() - 1000 + i).toISOString();
      const cents = 1999 + ((batch * 37 + i * 101) % 20_000);
      salesCents += cents;
      touchpoints.push(
        {
          messageId: `lag-${run}-${batch}-${i}-v`,
          customer,
          type: 'page_view',
          channel: 'web',
          occurredAt: at,
          properties: { page: 'pricing' },
        },
        {
          messageId: `lag-${run}-${batch}-${i}-p`,
          customer,
          type: 'purchase',
          channel: 'web',
          occurredAt: at,
          value: cents / 100,
          currency: 'USD',
          properties: { sku: 'sku-1' },
        },
      );
    }
    const data = await graphqlQuery(url, key, RECORD, { touchpoints });
    const answered = performance.now();
    const accepted = Number(field(field(data, 'recordTouchpoints'), 'accepted'));
    if (accepted !== touchpoints.length) throw new Error(`lag batch ${batch}: ${accepted} of ${touchpoints.length} accepted`);
    const head = await client.query<{ tx_id: string; id: string }>(
      `SELECT tx_id::text, id::text FROM touchpoints WHERE message_id = ANY($1) ORDER BY tx_id DESC, id DESC LIMIT 1`,
      [touchpoints.map((touchpoint) => touchpoint.messageId)],
    );
    const target = { txId: BigInt(head.rows[0].tx_id), id: BigInt(head.rows[0].id) };
    for (;;) {
      const seen = await poll(url, key, day, options.decodeCursor);
      polls += 1;
      const passed = seen.position.txId > target.txId || (seen.position.txId === target.txId && seen.position.id >= target.id);
      if (
        passed &&
        seen.newCustomers >= before.newCustomers + options.customersPerBatch &&
        Math.round(seen.sales * 100) >= Math.round(before.sales * 100) + salesCents
      ) {
        lagMs.push(performance.now() - answered);
        break;
      }
      if (performance.now() - answered > options.timeoutMs)
        throw new Error(`lag batch ${batch}: not in the metrics after ${options.timeoutMs} ms (${JSON.stringify(seen, replacer)})`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    // Batches a little apart, as a trickle of traffic would come.
    await new Promise((resolve) => setTimeout(resolve, 100 + ((batch * 7919) % 300)));
  }
  return { batches: options.batches, customersPerBatch: options.customersPerBatch, lagMs, polls };
}

async function poll(url: string, key: string, day: string, decodeCursor: CursorDecoder): Promise<Poll> {
  const metrics = field(await graphqlQuery(url, key, POLL, { day }), 'metrics');
  const cursor = String(field(field(metrics, 'exactUpTo'), 'touchpoints'));
  return {
    position: decodeCursor(cursor).position,
    newCustomers: Number(field(field(metrics, 'newCustomers'), 'total') ?? 0),
    sales: Number(field(field(metrics, 'sales'), 'total') ?? 0),
  };
}

function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
