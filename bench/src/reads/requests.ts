import { postGraphql } from '../shared/graphql.js';
import { at } from '../shared/json.js';
import { withClient } from '../shared/postgres.js';
import { createRandom } from '../shared/prng.js';
import { encodeCursor, READ_QUERIES, requestBody } from './queries.js';
import type { QueryName } from './queries.js';

export type System = 'clm' | 'floor';
export const SYSTEMS: readonly System[] = ['clm', 'floor'];
/** Where a system answers; `pid`, when known, is its server process (its CPU time per request is reported). */
export type Endpoint = { url: string; key: string; pid?: number };

/** The request bodies of each query for each system, built before any timing. */
export type RequestPlan = Map<QueryName, Record<System, string[]>>;

/** Customers Q2 cycles through. */
const Q2_CUSTOMERS = 200;
/** Q1 page 50: the page after the first 49 pages of 20. */
const PAGE_50_OFFSET = 49 * 20;

/**
 * Bodies per query and system. Both systems get the same bodies, except for
 * Q1 page 50: each gets the cursor it wrote itself (clm's by paging the API
 * up to row 980, the floor's from SQL); the verification then shows both
 * cursors lead to the same page.
 */
export async function planRequests(queries: readonly QueryName[], clm: Endpoint, databaseUrl: string, seed: number): Promise<RequestPlan> {
  const plan: RequestPlan = new Map();
  for (const name of queries) {
    const query = READ_QUERIES[name];
    if (name === 'q2') {
      const bodies = (await sampleCustomerIds(databaseUrl, seed, Q2_CUSTOMERS)).map((id) => requestBody(query, { id }));
      plan.set(name, { clm: bodies, floor: bodies });
    } else if (name === 'q1-page-50') {
      plan.set(name, {
        clm: [requestBody(query, { after: await apiCursorAfter(clm, PAGE_50_OFFSET) })],
        floor: [requestBody(query, { after: await sqlCursorAfter(databaseUrl, PAGE_50_OFFSET) })],
      });
    } else {
      const body = requestBody(query);
      plan.set(name, { clm: [body], floor: [body] });
    }
  }
  return plan;
}

/** `count` customer ids drawn with the seed from the dataset's external ids (u-000001 …), in draw order. */
async function sampleCustomerIds(databaseUrl: string, seed: number, count: number): Promise<string[]> {
  return withClient(databaseUrl, async (client) => {
    const customers = Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM customers')).rows[0].n);
    const random = createRandom(seed + 7);
    const externalIds = Array.from({ length: count }, () => `u-${String(1 + Math.floor(random() * customers)).padStart(6, '0')}`);
    const result = await client.query<{ external_id: string; id: string }>(
      'SELECT external_id, id::text FROM customers WHERE external_id = ANY ($1)',
      [externalIds],
    );
    const byExternalId = new Map(result.rows.map((row) => [row.external_id, row.id]));
    return externalIds.flatMap((externalId) => byExternalId.get(externalId) ?? []);
  });
}

/** The API's endCursor after the first `offset` customers (newest first), paging with its own cursors. */
async function apiCursorAfter(clm: Endpoint, offset: number): Promise<string> {
  const pageSize = 490;
  let after: string | null = null;
  for (let seen = 0; seen < offset; seen += pageSize) {
    const first = Math.min(pageSize, offset - seen);
    const data = await postGraphql(
      clm.url,
      clm.key,
      JSON.stringify({
        query: 'query Cursor($first: Int!, $after: String) { customers(first: $first, after: $after) { pageInfo { endCursor } } }',
        variables: { first, after },
      }),
    );
    const cursor = at(data, 'customers', 'pageInfo', 'endCursor');
    if (typeof cursor !== 'string') throw new Error(`paging the API for Q1 page 50: no endCursor after ${seen + first} customers`);
    after = cursor;
  }
  if (after === null) throw new Error('Q1 page 50 needs an offset');
  return after;
}

/** The floor's cursor after the first `offset` customers, newest first: the API's format ([created_at as text, id]). */
async function sqlCursorAfter(databaseUrl: string, offset: number): Promise<string> {
  return withClient(databaseUrl, async (client) => {
    const result = await client.query<{ value: string; id: string }>(
      'SELECT created_at::text AS value, id::text FROM customers ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 1',
      [offset - 1],
    );
    if (result.rows.length === 0) throw new Error(`Q1 page 50 needs more than ${offset} customers`);
    return encodeCursor(result.rows[0].value, result.rows[0].id);
  });
}
