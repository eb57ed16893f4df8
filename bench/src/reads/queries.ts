/**
 * The reads and how each system answers them: the GraphQL document sent to
 * clm, and the one SQL statement the floor server runs to build exactly the
 * same JSON (same field names, nesting and order; timestamps as the API's
 * DateTime scalar prints them, numeric columns as JSON numbers).
 */

export const QUERY_NAMES = ['q1', 'q1-revenue', 'q1-last-seen', 'q1-page-50', 'q2', 'q3'] as const;
export type QueryName = (typeof QUERY_NAMES)[number];

/** What the load generator sends: GraphQL over HTTP, the same body to both systems. */
export type ReadQuery = {
  name: QueryName;
  title: string;
  operationName: string;
  document: string;
};

/** How the floor answers one operation: a named (prepared) statement and its parameters from the request's variables. */
export type FloorOperation = {
  statement: string;
  sql: string;
  parameters: (variables: Record<string, unknown>) => unknown[];
};

const TOUCHPOINT_FIELDS = 'id type channel occurredAt value';
const LIST_NODE = `id externalId email name stage orders revenue createdAt touchpoints(first: 5) { edges { node { ${TOUCHPOINT_FIELDS} } } }`;
const listDocument = (operation: string, variables: string, args: string) =>
  `query ${operation}${variables} { customers(${args}) { edges { node { ${LIST_NODE} } } } }`;

export const READ_QUERIES: Record<QueryName, ReadQuery> = {
  q1: {
    name: 'q1',
    title: 'Q1 20 newest customers × 5 newest touchpoints',
    operationName: 'Q1Newest',
    document: listDocument('Q1Newest', '', 'first: 20'),
  },
  'q1-revenue': {
    name: 'q1-revenue',
    title: 'Q1 sorted by REVENUE DESC',
    operationName: 'Q1Revenue',
    document: listDocument('Q1Revenue', '', 'first: 20, orderBy: {field: REVENUE, direction: DESC}'),
  },
  'q1-last-seen': {
    name: 'q1-last-seen',
    title: 'Q1 sorted by LAST_SEEN_AT DESC',
    operationName: 'Q1LastSeen',
    document: listDocument('Q1LastSeen', '', 'first: 20, orderBy: {field: LAST_SEEN_AT, direction: DESC}'),
  },
  'q1-page-50': {
    name: 'q1-page-50',
    title: 'Q1 page 50 (after: cursor)',
    operationName: 'Q1Page50',
    document: listDocument('Q1Page50', '($after: String!)', 'first: 20, after: $after'),
  },
  q2: {
    name: 'q2',
    title: 'Q2 one customer, 20 touchpoints + 20 transitions',
    operationName: 'Q2Customer',
    document: `query Q2Customer($id: ID!) { customer(id: $id) { id externalId email name stage orders revenue createdAt
      touchpoints(first: 20) { edges { node { ${TOUCHPOINT_FIELDS} } } }
      transitions(first: 20) { edges { node { id from to occurredAt cause } } } } }`,
  },
  q3: {
    name: 'q3',
    title: 'Q3 stages: ["retention"], first 50, totalCount',
    operationName: 'Q3Retention',
    document:
      'query Q3Retention { customers(first: 50, filter: {stages: ["retention"]}) { totalCount edges { node { id email stage revenue } } } }',
  },
};

/** A request body for `query` with `variables`. */
export function requestBody(query: ReadQuery, variables: Record<string, unknown> = {}): string {
  return JSON.stringify({ operationName: query.operationName, query: query.document, variables });
}

// ------------------------------------------------------------------ the floor's SQL

/** A timestamptz as the API's DateTime scalar prints it (Date#toISOString). */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** `json_agg` of `element` in `order`, [] for no rows. */
const jsonList = (element: string, order: string) => `coalesce(json_agg(${element} ORDER BY ${order}), '[]'::json)`;

const TOUCHPOINT_NODE = `json_build_object('node', json_build_object('id', t.id::text, 'type', t.type, 'channel', t.channel,
  'occurredAt', ${iso('t.occurred_at')}, 'value', t.value::float8))`;

/** The newest `limit` touchpoints of customer `c` as `{ edges }`. */
const touchpointEdges = (limit: number) => `json_build_object('edges', (
  SELECT ${jsonList(TOUCHPOINT_NODE, 't.occurred_at DESC, t.id DESC')}
    FROM (SELECT id, type, channel, occurred_at, value FROM touchpoints
           WHERE customer_id = c.id ORDER BY occurred_at DESC, id DESC LIMIT ${limit}) t))`;

const CUSTOMER_FIELDS = `'id', c.id, 'externalId', c.external_id, 'email', c.email, 'name', c.name, 'stage', c.stage,
  'orders', c.orders, 'revenue', c.revenue::float8, 'createdAt', ${iso('c.created_at')}`;

/** Q1's shape: a page of 20 customers in `order` (after `where`), each with their 5 newest touchpoints. */
function customerListSql(order: string, where = 'TRUE'): string {
  const node = `json_build_object('node', json_build_object(${CUSTOMER_FIELDS}, 'touchpoints', ${touchpointEdges(5)}))`;
  return `SELECT json_build_object('data', json_build_object('customers', json_build_object('edges', ${jsonList(node, order)})))::text AS body
  FROM (SELECT id, external_id, email, name, stage, orders, revenue, created_at, last_seen_at FROM customers c
         WHERE ${where} ORDER BY ${order} LIMIT 20) c`;
}

const TRANSITION_NODE = `json_build_object('node', json_build_object('id', s.id::text, 'from', s.from_stage, 'to', s.to_stage,
  'occurredAt', ${iso('s.occurred_at')}, 'cause', upper(s.cause)))`;

const Q2_SQL = `SELECT json_build_object('data', json_build_object('customer', (
  SELECT json_build_object(${CUSTOMER_FIELDS}, 'touchpoints', ${touchpointEdges(20)},
    'transitions', json_build_object('edges', (
      SELECT ${jsonList(TRANSITION_NODE, 's.occurred_at DESC, s.id DESC')}
        FROM (SELECT id, from_stage, to_stage, occurred_at, cause FROM stage_transitions
               WHERE customer_id = c.id ORDER BY occurred_at DESC, id DESC LIMIT 20) s)))
    FROM customers c WHERE c.id = $1::uuid)))::text AS body`;

const Q3_NODE = `json_build_object('node', json_build_object('id', c.id, 'email', c.email, 'stage', c.stage, 'revenue', c.revenue::float8))`;
const Q3_SQL = `SELECT json_build_object('data', json_build_object('customers', json_build_object(
  'totalCount', (SELECT count(*) FROM customers WHERE stage = ANY ($1::text[])),
  'edges', (SELECT ${jsonList(Q3_NODE, 'c.created_at DESC, c.id DESC')}
              FROM (SELECT id, email, stage, revenue, created_at FROM customers
                     WHERE stage = ANY ($1::text[]) ORDER BY created_at DESC, id DESC LIMIT 50) c))))::text AS body`;

const NEWEST = 'c.created_at DESC, c.id DESC';

/** The floor's statement per operation name. `created_at` and `revenue` are NOT NULL, so NULLS LAST changes nothing there. */
export const FLOOR_OPERATIONS: Record<string, FloorOperation> = {
  Q1Newest: { statement: 'q1', sql: customerListSql(NEWEST), parameters: () => [] },
  Q1Revenue: { statement: 'q1_revenue', sql: customerListSql('c.revenue DESC, c.id DESC'), parameters: () => [] },
  Q1LastSeen: { statement: 'q1_last_seen', sql: customerListSql('c.last_seen_at DESC NULLS LAST, c.id DESC'), parameters: () => [] },
  Q1Page50: {
    statement: 'q1_after',
    sql: customerListSql(NEWEST, '(c.created_at, c.id) < ($1::timestamptz, $2::uuid)'),
    parameters: (variables) => decodeCursor(variables.after),
  },
  Q2Customer: { statement: 'q2', sql: Q2_SQL, parameters: (variables) => [variables.id] },
  Q3Retention: { statement: 'q3', sql: Q3_SQL, parameters: () => [['retention']] },
};

/** A customers cursor as the API writes it: base64url of JSON [sort value as PostgreSQL text, id]. */
export function encodeCursor(value: string, id: string): string {
  return Buffer.from(JSON.stringify([value, id])).toString('base64url');
}

function decodeCursor(cursor: unknown): [string, string] {
  const parsed: unknown = typeof cursor === 'string' ? JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) : null;
  if (Array.isArray(parsed) && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') return [parsed[0], parsed[1]];
  throw new Error('after: not a cursor');
}
