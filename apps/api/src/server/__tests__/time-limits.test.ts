import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Client } from 'pg';
import { Scope } from '../../core/principal';
import { startTestServer, TEST_LIMITS } from '../../testing';
import type { GraphQLResponse, TestServer } from '../../testing';

/** Customers and touchpoints written straight into the tables (the API would take minutes for this many). */
async function seed(server: TestServer, customers: number, touchpointsEach: number): Promise<void> {
  await server.services.projector.stop();
  await server.db.forKind('control').query('SELECT 1');
  const client = new Client({ connectionString: server.url });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO customers (id, external_id, attributes) SELECT gen_random_uuid(), 'c' || g, jsonb_build_object('n', g) FROM generate_series(1, $1::int) g`,
      [customers],
    );
    await client.query(
      `INSERT INTO touchpoints (message_id, customer_id, type, channel, occurred_at, properties)
       SELECT c.external_id || '-' || g, c.id, (ARRAY['page_view', 'purchase', 'email_open', 'signup'])[1 + g % 4],
              (ARRAY['web', 'email', 'ads'])[1 + g % 3], now() - make_interval(days => g % 400), jsonb_build_object('g', g)
         FROM customers c CROSS JOIN generate_series(1, $1::int) g`,
      [touchpointsEach],
    );
    await client.query('ANALYZE customers; ANALYZE touchpoints');
  } finally {
    await client.end();
  }
}

/** A preview whose rule makes the database count each customer's touchpoints `conditions` times over. */
function expensivePreview(conditions: number) {
  const or = Array.from({ length: conditions }, (_, index) => ({
    behaviour: { types: ['purchase', 'page_view'], withinDays: 30 + index, operator: 'GTE', value: 1 + (index % 7) },
  }));
  return { query: `query ($rule: SegmentRuleInput!) { previewSegment(rule: $rule) { count } }`, variables: { rule: { or } } };
}

/** Statements of `kind` running now on this test's database (application_name clm:<kind>). */
async function activeStatements(server: TestServer, kind: string): Promise<number> {
  const [{ active }] = await server.db.forKind('control').query<{ active: number }>(
    `SELECT count(*)::int AS active FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 AND state = 'active'
         AND backend_type = 'client backend'`,
    [`clm:${kind}`],
  );
  return active;
}

/** Polls `check` every 25 ms until it holds; the time it took, or a failure after `timeoutMs`. */
async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return Date.now() - started;
}

const METRICS_LIMIT_MS = 3000;

/** Random valid rules of behaviour conditions, nested up to a few levels. */
const behaviourRule: fc.Arbitrary<unknown> = fc.letrec<{ rule: unknown }>((tie) => ({
  rule: fc.oneof(
    { depthSize: 'small' },
    fc
      .record({
        types: fc.subarray(['purchase', 'page_view', 'email_open', 'signup', 'never_sent'], { minLength: 1 }),
        withinDays: fc.integer({ min: 1, max: 800 }),
        operator: fc.constantFrom('EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE'),
        value: fc.nat(20),
      })
      .map((behaviour) => ({ behaviour })),
    fc.array(tie('rule'), { minLength: 1, maxLength: 3 }).map((and) => ({ and })),
    fc.array(tie('rule'), { minLength: 1, maxLength: 3 }).map((or) => ({ or })),
    tie('rule').map((not) => ({ not })),
  ),
})).rule;

describe('time limits and cancellation by kind of work', () => {
  let server: TestServer;
  let readKey: string;

  beforeAll(async () => {
    // The statement time limit alone: the cost limit would refuse these previews before they run, and the gate for
    // expensive work would queue all but a few (both are tested in expensive-operations.test.ts).
    server = await startTestServer({
      limits: { metrics: { statementTimeoutMs: METRICS_LIMIT_MS, connections: 3 } },
      operationLimits: { ...TEST_LIMITS, maxCost: Number.MAX_SAFE_INTEGER },
      expensiveWork: { perKey: 100, perInstance: 100, waitMs: 60_000 },
    });
    readKey = await server.createKey([Scope.READ]);
    // 10,000 customers with 10 touchpoints each: a preview of 60 behaviour conditions takes about 10 s unbounded here.
    await seed(server, 10_000, 10);
  }, 120_000);

  afterAll(async () => {
    await server.close();
  });

  const post = (body: object, signal?: AbortSignal) =>
    fetch(server.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${readKey}` },
      body: JSON.stringify(body),
      signal,
    });

  it('stops a preview over the limit for previews and metrics with QUERY_TIMEOUT naming the limit and its variable', async () => {
    const response = await post(expensivePreview(190));
    expect(response.status).toBe(200);
    expect((await response.json()) as GraphQLResponse).toEqual({
      data: null,
      errors: [
        {
          message: 'this request ran longer than the 3 s limit for previews and metrics (CLM_METRICS_TIMEOUT_MS)',
          locations: [{ line: 1, column: 36 }],
          path: ['previewSegment'],
          extensions: { code: 'QUERY_TIMEOUT', limitMs: 3000, setting: 'CLM_METRICS_TIMEOUT_MS' },
        },
      ],
    });
    await waitFor(async () => (await activeStatements(server, 'metrics')) === 0, 2000);
  }, 60_000);

  it('cancels the statement of a preview whose client leaves, long before its time limit', async () => {
    const abort = new AbortController();
    const request = post(expensivePreview(190), abort.signal).catch((error: unknown) => error);
    await waitFor(async () => (await activeStatements(server, 'metrics')) === 1, 10_000);
    const [{ age }] = await server.db.forKind('control').query<{ age: number }>(
      `SELECT (extract(epoch FROM clock_timestamp() - query_start) * 1000)::int AS age FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = 'clm:metrics' AND state = 'active'`,
    );
    abort.abort();
    await request;
    const cleared = await waitFor(async () => (await activeStatements(server, 'metrics')) === 0, METRICS_LIMIT_MS);
    // Gone before its time limit could have ended it: the server stopped it because the client left.
    expect(age + cleared).toBeLessThan(METRICS_LIMIT_MS - 500);
  }, 60_000);

  it('answers /healthz and ingest while previews hold every connection previews may use', async () => {
    const previews = Array.from({ length: 5 }, () => post(expensivePreview(190)).then((response) => response.json()));
    await waitFor(async () => (await activeStatements(server, 'metrics')) === 3, 10_000);
    const health = await fetch(server.httpUrl.replace('/graphql', '/healthz'));
    const ingest = await server.graphql<{ recordTouchpoints: { results: Array<{ status: string }> } }>(
      `mutation ($items: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $items) { results { status } } }`,
      {
        items: [
          {
            messageId: 'while-busy',
            customer: { externalId: 'c1' },
            type: 'page_view',
            channel: 'web',
            occurredAt: new Date().toISOString(),
          },
        ],
      },
    );
    // Both answered while the three preview connections were still busy.
    expect(await activeStatements(server, 'metrics')).toBe(3);
    expect({ health: health.status, ingest: ingest.data?.recordTouchpoints.results }).toEqual({
      health: 200,
      ingest: [{ status: 'ACCEPTED' }],
    });
    const answers = (await Promise.all(previews)) as GraphQLResponse[];
    expect(answers.map((answer) => answer.errors?.[0]?.extensions?.code)).toEqual(Array(5).fill('QUERY_TIMEOUT'));
  }, 120_000);

  it('applies the same limit, and cancellation when the socket closes, to a preview sent over WebSocket', async () => {
    const timedOut = server.wsClient(readKey);
    const result = await new Promise<unknown>((resolve, reject) =>
      timedOut.subscribe(expensivePreview(190), { next: resolve, error: reject, complete: () => undefined }),
    );
    expect(result).toEqual({
      data: null,
      errors: [
        {
          // The WebSocket path sends masked errors without locations (as for every other error there).
          message: 'this request ran longer than the 3 s limit for previews and metrics (CLM_METRICS_TIMEOUT_MS)',
          extensions: { code: 'QUERY_TIMEOUT', limitMs: 3000, setting: 'CLM_METRICS_TIMEOUT_MS' },
        },
      ],
    });
    await timedOut.dispose();

    const leaving = server.wsClient(readKey);
    leaving.subscribe(expensivePreview(190), { next: () => undefined, error: () => undefined, complete: () => undefined });
    await waitFor(async () => (await activeStatements(server, 'metrics')) === 1, 10_000);
    await leaving.dispose();
    expect(await waitFor(async () => (await activeStatements(server, 'metrics')) === 0, METRICS_LIMIT_MS)).toBeLessThan(
      METRICS_LIMIT_MS / 2,
    );
  }, 60_000);

  it('answers any rule within its limit or with QUERY_TIMEOUT, never an internal error, and leaves nothing running when clients leave', async () => {
    await fc.assert(
      fc.asyncProperty(
        behaviourRule,
        fc.integer({ min: 0, max: 150 }),
        fc.option(fc.integer({ min: 0, max: 1500 }), { nil: null }),
        async (rule, heavy, abortAfterMs) => {
          const { query, variables } = expensivePreview(heavy);
          const abort = new AbortController();
          const timer = abortAfterMs === null ? null : setTimeout(() => abort.abort(), abortAfterMs);
          const answer = await post({ query, variables: { rule: { or: [rule, ...variables.rule.or] } } }, abort.signal).then(
            async (response) => (await response.json()) as GraphQLResponse<{ previewSegment: { count: number } }>,
            () => null,
          );
          if (timer) clearTimeout(timer);
          if (answer !== null) {
            const code = answer.errors?.[0]?.extensions?.code;
            if (code === undefined) expect(typeof answer.data?.previewSegment.count).toBe('number');
            else expect(code).toBe('QUERY_TIMEOUT');
          }
          // Answered, refused or abandoned: nothing of it is left running (an abandoned one is cancelled, not left to its limit).
          await waitFor(async () => (await activeStatements(server, 'metrics')) === 0, abortAfterMs === null ? METRICS_LIMIT_MS : 1000);
        },
      ),
      { numRuns: 12 },
    );
  }, 120_000);
});
