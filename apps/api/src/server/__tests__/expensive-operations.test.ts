import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { getNamedType, isObjectType, parse } from 'graphql';
import type { GraphQLSchema } from 'graphql';
import { Client } from 'pg';
import { Scope } from '../../core/principal';
import { startTestServer } from '../../testing';
import type { TestServer } from '../../testing';
import { operationCosts } from '../operation-limits';
import { buildClmSchema } from '../schema';

/*
 * Regression tests for the reproductions of issue 17: a preview of 199
 * behaviour conditions and 15 aliased full metrics are refused before they
 * run; the 11th concurrent expensive operation of a key allowed 10 is refused
 * with a retry hint, over HTTP, WebSocket and metrics.csv. "Before it runs"
 * is shown by holding an exclusive lock on the touchpoints: anything that
 * read them would wait.
 */

type Answer = {
  status: number;
  retryAfter: string | null;
  body: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
};

const BEHAVIOUR_PREVIEW = 'query ($rule: SegmentRuleInput!) { previewSegment(rule: $rule) { count } }';

/** Every metric of `Metrics`, each with its first field that needs no selection of its own. */
function metricSelections(schema: GraphQLSchema): string[] {
  const metrics = schema.getType('Metrics');
  if (!isObjectType(metrics)) throw new Error('no Metrics type');
  return Object.values(metrics.getFields())
    .filter((field) => !['from', 'to', 'exactUpTo'].includes(field.name))
    .map((field) => {
      const type = getNamedType(field.type);
      if (!isObjectType(type)) return field.name;
      const leaf = Object.values(type.getFields()).find((child) => !isObjectType(getNamedType(child.type)));
      return `${field.name} { ${leaf?.name} }`;
    });
}

/** A day from 2000 to 2100, or now and then something that is not one. */
const day = fc.oneof(
  {
    weight: 9,
    arbitrary: fc
      .integer({ min: 0, max: 36_500 })
      .map((offset) => new Date(Date.UTC(2000, 0, 1) + offset * 86_400_000).toISOString().slice(0, 10)),
  },
  { weight: 1, arbitrary: fc.constantFrom('2026-02-30', '26-01-01', '', 'yesterday') },
);

/** Rules heavy on what costs: behaviour conditions with and without windows, lookups, acquisitions, groups, up to 250 nodes. */
const behaviour = fc.record(
  {
    types: fc.constantFrom(['purchase'], ['page_view', 'signup']),
    withinDays: fc.integer({ min: 1, max: 36_500 }),
    from: fc.constantFrom('2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
    properties: fc.constant([{ property: 'plan', operator: 'EQ', value: 'pro' }]),
    value: fc.integer({ min: 0, max: 3 }),
  },
  { requiredKeys: [] },
);
const leaf = fc.oneof(
  behaviour.map((condition) => ({ behaviour: condition })),
  fc.constant({ field: { field: 'NPS_SCORE', operator: 'GTE', value: 9 } }),
  fc.constant({ field: { field: 'ORDERS', operator: 'GTE', value: 1 } }),
  fc.constant({ acquisition: { touch: 'FIRST', channels: ['ads'] } }),
  fc.constant({ attribute: { name: 'plan', operator: 'EQ', value: 'pro' } }),
);
const rule = fc.oneof(
  leaf,
  fc.array(leaf, { minLength: 1, maxLength: 250 }).map((and) => ({ and })),
  fc.array(leaf, { minLength: 1, maxLength: 12 }).map((or) => ({ not: { or } })),
);

describe('expensive operations', () => {
  let server: TestServer;
  let readKey: string;
  let locker: Client;

  beforeAll(async () => {
    server = await startTestServer({ expensiveWork: { perKey: 10, perInstance: 10, waitMs: 0 } });
    readKey = await server.createKey([Scope.READ]);
    // Something for previews and metrics to read (all in 2025: nothing within the last 30 days).
    const results = await server.services.ingest.record(
      Array.from({ length: 60 }, (_, index) => ({
        messageId: `seed-${index}`,
        customer: { externalId: `c${index % 12}`, attributes: { plan: index % 2 === 0 ? 'pro' : 'free' } },
        type: ['page_view', 'signup', 'purchase'][index % 3],
        channel: index % 4 === 0 ? 'ads' : 'web',
        occurredAt: new Date(Date.UTC(2025, 0, 1) + index * 3 * 86_400_000).toISOString(),
        value: index % 3 === 2 ? 10 : null,
        properties: { plan: 'pro' },
      })),
      (index) => `touchpoints[${index}]`,
    );
    expect(results.every((result) => result.status === 'ACCEPTED')).toBe(true);
    await server.services.projector.catchUp();
    locker = new Client({ connectionString: server.url });
    await locker.connect();
  });
  afterAll(async () => {
    await locker?.end();
    await server?.close();
  });

  const post = async (query: string, variables: Record<string, unknown> = {}): Promise<Answer> => {
    const response = await fetch(server.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${readKey}` },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as Answer['body'] };
  };

  /** Runs `work` while the touchpoints are locked exclusively: whatever reads them waits until it is done. */
  const whileTouchpointsLocked = async <T>(work: () => Promise<T>): Promise<T> => {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE touchpoints IN ACCESS EXCLUSIVE MODE');
    try {
      return await work();
    } finally {
      await locker.query('ROLLBACK');
    }
  };

  /** Statements of clm waiting for the lock on touchpoints. */
  const waitingForTouchpoints = async (): Promise<number> => {
    const { rows } = await locker.query<{ waiting: number }>(
      `SELECT count(*)::int AS waiting FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
    );
    return rows[0].waiting;
  };

  const until = async (condition: () => Promise<boolean>) => {
    for (let attempt = 0; attempt < 800 && !(await condition()); attempt += 1) await new Promise((resolve) => setTimeout(resolve, 25));
  };

  it('refuses a preview of 199 behaviour conditions (200 nodes, the most a rule may have) before it runs, naming its cost and the limit', async () => {
    const rule = { and: Array.from({ length: 199 }, () => ({ behaviour: { types: ['purchase'] } })) };
    const answer = await whileTouchpointsLocked(() => post(BEHAVIOUR_PREVIEW, { rule }));
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([
      {
        message:
          'operation cost 201788 exceeds the limit of 10000 (previewSegment 201787); ask for a shorter range, coarser buckets, fewer metrics, fewer or narrower conditions',
        extensions: { code: 'COST_LIMIT_EXCEEDED', cost: 201_788, limit: 10_000 },
      },
    ]);
  });

  it('refuses 15 aliases of the full metrics over 30 days (15 × 3,198 and the fields below) before they run', async () => {
    const schema = await buildClmSchema();
    const metrics = schema.getType('Metrics');
    if (!isObjectType(metrics)) throw new Error('no Metrics type');
    // Every metric, each with its first field that needs no selection of its own.
    const selection = Object.values(metrics.getFields())
      .filter((field) => !['from', 'to', 'exactUpTo'].includes(field.name))
      .map((field) => {
        const type = getNamedType(field.type);
        if (!isObjectType(type)) return field.name;
        const leaf = Object.values(type.getFields()).find((child) => !isObjectType(getNamedType(child.type)));
        return `${field.name} { ${leaf?.name} }`;
      });
    expect(selection).toHaveLength(26);
    const aliases = Array.from(
      { length: 15 },
      (_, index) => `m${index}: metrics(range: { from: "2026-01-01", to: "2026-01-30" }) { ${selection.join(' ')} }`,
    );
    const answer = await whileTouchpointsLocked(() => post(`{ ${aliases.join(' ')} }`));
    expect(answer.status).toBe(400);
    // Each alias: 26 metrics × (3 + 4 × 30) = 3,198, + 52 for the metric fields and their leaves.
    expect(answer.body.errors?.[0].extensions).toEqual({ code: 'COST_LIMIT_EXCEEDED', cost: 15 * 3250, limit: 10_000 });
    expect(answer.body.errors?.[0].message).toBe(
      'operation cost 48750 exceeds the limit of 10000 (m0 3198, m1 3198, m2 3198, m3 3198, m4 3198, 10 more); ask for a shorter range, coarser buckets, fewer metrics, fewer or narrower conditions',
    );
  });

  it('refuses the 11th concurrent expensive operation of a key allowed 10 with a retry hint, over HTTP, WebSocket and CSV', async () => {
    const rule = { behaviour: { types: ['purchase'], withinDays: 30 } };
    await whileTouchpointsLocked(async () => {
      const running = Array.from({ length: 10 }, () => post(BEHAVIOUR_PREVIEW, { rule }));
      await until(async () => server.expensiveWork().running === 10);
      expect(server.expensiveWork()).toEqual({ running: 10, waiting: 0 });
      // The ten hold their slots; those that have a connection (the previews' pool is smaller) reach the lock in a moment.
      await until(async () => (await waitingForTouchpoints()) > 0);
      expect(await waitingForTouchpoints()).toBeGreaterThan(0);

      const refused = {
        message: 'this API key already runs 10 expensive operations (previews, segment definitions, metrics) at once; retry in 1 s',
        extensions: { code: 'TOO_MANY_EXPENSIVE_OPERATIONS', limit: 10, scope: 'key', retryAfter: 1 },
      };
      const http = await post(BEHAVIOUR_PREVIEW, { rule });
      expect({ status: http.status, retryAfter: http.retryAfter, errors: http.body.errors }).toEqual({
        status: 429,
        retryAfter: '1',
        errors: [refused],
      });

      const ws = await new Promise<unknown>((resolve, reject) => {
        server
          .wsClient(readKey)
          .subscribe({ query: BEHAVIOUR_PREVIEW, variables: { rule } }, { next: resolve, error: reject, complete: () => {} });
      });
      expect(ws).toEqual({ errors: [refused] });

      const csv = await fetch(`${server.httpUrl.replace(/\/graphql$/, '')}/api/metrics.csv?metric=sales&from=2026-01-01&to=2026-01-30`, {
        headers: { authorization: `Bearer ${readKey}` },
      });
      expect({ status: csv.status, retryAfter: csv.headers.get('retry-after'), body: await csv.json() }).toEqual({
        status: 429,
        retryAfter: '1',
        body: { errors: [refused] },
      });

      // An ordinary read is not held up.
      expect((await post('{ viewer { name } }')).body).toEqual({ data: { viewer: { name: 'test read' } } });
      return running;
    }).then(async (running) => {
      // Once the lock is gone the ten run to the end, and the key's slots are free again.
      for (const answer of await Promise.all(running)) expect(answer.body).toEqual({ data: { previewSegment: { count: 0 } } });
      expect((await post(BEHAVIOUR_PREVIEW, { rule })).body).toEqual({ data: { previewSegment: { count: 0 } } });
    });
  });

  /** Codes a client may get for a request it made (none of them INTERNAL_SERVER_ERROR). */
  const CLIENT_CODES = ['COST_LIMIT_EXCEEDED', 'BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED'];

  /** A request answered within its limit, or refused with a clear error: a cost refusal only above the limit, with the cost computed. */
  const expectWithinLimitOrRefused = async (schema: GraphQLSchema, query: string, variables: Record<string, unknown>) => {
    const { total } = operationCosts(schema, parse(query), undefined, variables);
    const answer = await post(query, variables);
    const codes = (answer.body.errors ?? []).map((error) => error.extensions?.code);
    for (const code of codes) expect(CLIENT_CODES).toContain(code);
    if (codes.includes('COST_LIMIT_EXCEEDED')) {
      expect(total).toBeGreaterThan(10_000);
      expect(answer.body.errors?.[0].extensions).toEqual({ code: 'COST_LIMIT_EXCEEDED', cost: total, limit: 10_000 });
    } else {
      expect(total).toBeLessThanOrEqual(10_000);
    }
    if (codes.length === 0) expect(answer.body.data).toBeDefined();
  };

  it('answers random previews within the limit or refuses them with a clear error, never INTERNAL_SERVER_ERROR', async () => {
    const schema = await buildClmSchema();
    await fc.assert(
      fc.asyncProperty(rule, fc.boolean(), async (candidate, asCreate) => {
        if (asCreate) {
          const query = 'mutation ($input: CreateSegmentInput!) { createSegment(input: $input) { id } }';
          // A read key may not create: the cost is refused before the scope is checked, else FORBIDDEN.
          const { total } = operationCosts(schema, parse(query), undefined, { input: { name: 'n', rule: candidate } });
          const answer = await post(query, { input: { name: 'n', rule: candidate } });
          expect(answer.body.errors?.[0].extensions?.code).toBe(total > 10_000 ? 'COST_LIMIT_EXCEEDED' : 'FORBIDDEN');
        } else {
          await expectWithinLimitOrRefused(schema, BEHAVIOUR_PREVIEW, { rule: candidate });
        }
      }),
      { numRuns: 40 },
    );
    // Every slot was given back, whatever the answer (refusals and bad input included).
    expect(server.expensiveWork()).toEqual({ running: 0, waiting: 0 });
  });

  it('answers random metrics requests within the limit or refuses them with a clear error, never INTERNAL_SERVER_ERROR', async () => {
    const schema = await buildClmSchema();
    const selections = metricSelections(schema);
    const request = fc.record({
      from: day,
      to: day,
      bucket: fc.constantFrom('DAY', 'WEEK', 'MONTH'),
      segment: fc.constantFrom(null, '00000000-0000-4000-8000-000000000000', 'not-a-segment'),
      channel: fc.constantFrom(null, 'web', 'ads'),
      compareToPrevious: fc.boolean(),
      metrics: fc.subarray(selections, { minLength: 1 }),
      aliases: fc.integer({ min: 1, max: 15 }),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ from, to, bucket, segment, channel, compareToPrevious, metrics, aliases }) => {
        const fields = Array.from(
          { length: aliases },
          (_, index) =>
            `m${index}: metrics(range: $range, bucket: $bucket, filter: $filter, compareToPrevious: $compare) { ${metrics.join(' ')} }`,
        );
        const query = `query ($range: DayRangeInput!, $bucket: MetricBucket!, $filter: MetricFilterInput, $compare: Boolean!) { ${fields.join(' ')} }`;
        await expectWithinLimitOrRefused(schema, query, {
          range: { from, to },
          bucket,
          filter: { segment, channel },
          compare: compareToPrevious,
        });
      }),
      { numRuns: 40 },
    );
    // Every slot was given back, whatever the answer (refusals and bad input included).
    expect(server.expensiveWork()).toEqual({ running: 0, waiting: 0 });
  });

  it('refuses the customers behind a number in customers.csv above the cost limit before it reads them', async () => {
    // 2018-01-01..2026-01-01 is 2,923 days; narrowed by a channel, a campaign and a segment: 1 + 2 × 2923 × 4 = 23,385
    const url = `${server.httpUrl.replace(/\/graphql$/, '')}/api/customers.csv?behind=NEW_CUSTOMERS&from=2018-01-01&to=2026-01-01&channel=ads&campaign=spring&segment=00000000-0000-4000-8000-000000000000`;
    const csv = await whileTouchpointsLocked(() => fetch(url, { headers: { authorization: `Bearer ${readKey}` } }));
    expect({ status: csv.status, body: await csv.json() }).toEqual({
      status: 400,
      body: {
        errors: [
          {
            message:
              'operation cost 23385 exceeds the limit of 10000 (behind 23385); ask for a shorter range, coarser buckets, fewer metrics, fewer or narrower conditions',
            extensions: { code: 'COST_LIMIT_EXCEEDED', cost: 23_385, limit: 10_000 },
          },
        ],
      },
    });
  });

  it('refuses a metrics.csv above the cost limit before it runs', async () => {
    // 3,660 days by day with a segment: 2 × 3660 + 3660 = 10,980
    const url = `${server.httpUrl.replace(/\/graphql$/, '')}/api/metrics.csv?metric=sales&from=2016-01-01&to=2026-01-07&bucket=DAY&segment=00000000-0000-4000-8000-000000000000`;
    const csv = await whileTouchpointsLocked(() => fetch(url, { headers: { authorization: `Bearer ${readKey}` } }));
    expect({ status: csv.status, body: await csv.json() }).toEqual({
      status: 400,
      body: {
        errors: [
          {
            message:
              'operation cost 10980 exceeds the limit of 10000 (sales 10980); ask for a shorter range, coarser buckets, fewer metrics, fewer or narrower conditions',
            extensions: { code: 'COST_LIMIT_EXCEEDED', cost: 10_980, limit: 10_000 },
          },
        ],
      },
    });
  });
});
