import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { getOperationAST, parse, validate } from 'graphql';
import type { DocumentNode, ExecutionResult, GraphQLSchema } from 'graphql';
import { Scope } from '../../core/principal';
import { WorkScope } from '../../database/db';
import { createTestContext } from '../../testing';
import type { TestContext } from '../../testing';
import { CompiledExecution } from '../compiled-execution';
import type { ExecutionPath } from '../compiled-execution';
import { authenticate, createContext } from '../context';
import { buildClmSchema } from '../schema';
import { resolverContainer } from '../services';

/*
 * The compiled path answers exactly as graphql-js: random selections of the
 * customers connection and of one customer's timeline (fields, aliases,
 * fragments, @include/@skip, page sizes as literals and variables, sorts,
 * filters, bad cursors) run on both, each on a fresh request context, and
 * the two results must be the same JSON, errors (message, path, locations)
 * included.
 */

const CUSTOMER_FIELDS = [
  'id',
  'externalId',
  'email',
  'name',
  'stage',
  'stageEnteredAt',
  'orders',
  'revenue',
  'createdAt',
  'updatedAt',
  'firstSeenAt',
  'lastSeenAt',
  'attributes',
  'mergedId',
  '__typename',
  'identities { kind value }',
];
const TOUCHPOINT_FIELDS = [
  'id',
  'type',
  'channel',
  'occurredAt',
  'value',
  'currency',
  'campaign',
  'properties',
  'messageId',
  'customerId',
  '__typename',
  'customer { externalId }',
];
const TRANSITION_FIELDS = ['id', 'from', 'to', 'occurredAt', 'cause', 'ruleId', 'touchpointId', 'customerId', 'reason', 'actor'];
const PAGE_INFO = ['hasNextPage', 'hasPreviousPage', 'startCursor', 'endCursor'];

/** Some fields of `fields`, each maybe aliased, maybe under @include/@skip of $flag, in any order (duplicates allowed). */
const selectionOf = (fields: readonly string[]) =>
  fc
    .array(
      fc.record({
        field: fc.constantFrom(...fields),
        alias: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: null }),
        directive: fc.constantFrom('', ' @include(if: $flag)', ' @skip(if: $flag)'),
      }),
      { minLength: 1, maxLength: 6 },
    )
    .map((picks) =>
      picks
        .map(({ field, alias, directive }) => {
          // An alias shared by two different fields does not validate: aliases are per field name.
          const name = field.split(' ')[0];
          const rest = field.slice(name.length);
          const aliased = alias && name !== '__typename' ? `${alias}_${name}: ${name}` : name;
          return `${aliased}${directive}${rest}`;
        })
        .join(' '),
    );

const pageSize = fc.oneof(fc.constantFrom('$first'), fc.integer({ min: 0, max: 4 }).map(String));
const cursor = fc.constantFrom('', ', after: "nonsense"');

const connectionOf = (nodeSelection: fc.Arbitrary<string>) =>
  fc
    .record({
      node: nodeSelection,
      cursor: fc.boolean(),
      totalCount: fc.boolean(),
      pageInfo: fc.option(selectionOf(PAGE_INFO), { nil: null }),
    })
    .map(
      ({ node, cursor: withCursor, totalCount, pageInfo }) =>
        `{ edges { ${withCursor ? 'cursor ' : ''}node { ${node} } }${totalCount ? ' totalCount' : ''}${pageInfo ? ` pageInfo { ${pageInfo} }` : ''} }`,
    );

const timeline = fc
  .record({
    touchpoints: fc.option(fc.tuple(pageSize, cursor, connectionOf(selectionOf(TOUCHPOINT_FIELDS))), { nil: null }),
    transitions: fc.option(fc.tuple(pageSize, connectionOf(selectionOf(TRANSITION_FIELDS))), { nil: null }),
  })
  .map(({ touchpoints, transitions }) =>
    [
      touchpoints ? `touchpoints(first: ${touchpoints[0]}${touchpoints[1]}) ${touchpoints[2]}` : '',
      transitions ? `transitions(first: ${transitions[0]}) ${transitions[1]}` : '',
    ].join(' '),
  );

/** A customer's selection: fields, a timeline, and maybe a named or inline fragment of more fields. */
const customerSelection = fc
  .record({
    fields: selectionOf(CUSTOMER_FIELDS),
    timeline,
    fragment: fc.constantFrom('', ' ...more', ' ... on Customer { email stage }'),
  })
  .map(({ fields, timeline: lines, fragment }) => `${fields} ${lines}${fragment}`);

const ORDERS = ['CREATED_AT', 'REVENUE', 'NAME', 'LAST_SEEN_AT', 'ORDERS'];

const customersOperation = fc
  .record({
    size: pageSize,
    orderBy: fc.option(fc.record({ field: fc.constantFrom(...ORDERS), direction: fc.constantFrom('ASC', 'DESC') }), { nil: null }),
    stages: fc.option(fc.subarray(['awareness', 'acquisition', 'engagement', 'retention']), { nil: null }),
    after: cursor,
    connection: connectionOf(customerSelection),
  })
  .map(({ size, orderBy, stages, after, connection }) => {
    const order = orderBy ? `, orderBy: { field: ${orderBy.field}, direction: ${orderBy.direction} }` : '';
    const filter = stages ? `, filter: { stages: ${JSON.stringify(stages)} }` : '';
    return `customers(first: ${size}${after}${order}${filter}) ${connection}`;
  });

const customerOperation = fc
  .record({
    lookup: fc.constantFrom('id: $id', 'externalId: "c-03"', 'externalId: "nobody"', 'email: "person5@example.com"', 'id: "not-a-uuid"'),
    selection: customerSelection,
  })
  .map(({ lookup, selection }) => `customer(${lookup}) { ${selection} }`);

/** A query of the compiled class, declaring the variables it uses (validation refuses unused ones), with their values. */
const operation = fc
  .record({
    roots: fc.array(fc.oneof(customersOperation, customerOperation), { minLength: 1, maxLength: 2 }),
    first: fc.integer({ min: 0, max: 4 }),
  })
  .map(({ roots, first }) => {
    const body = roots.map((root, index) => `r${index}: ${root}`).join(' ');
    const declared = [
      body.includes('$first') ? '$first: Int' : '',
      body.includes('$flag') ? '$flag: Boolean!' : '',
      body.includes('$id') ? '$id: ID' : '',
    ].filter((declaration) => declaration !== '');
    const fragment = body.includes('...more')
      ? ' fragment more on Customer { orders revenue newest: touchpoints(first: 1) { edges { node { type } } } }'
      : '';
    return { query: `query${declared.length > 0 ? ` (${declared.join(', ')})` : ''} { ${body} }${fragment}`, first };
  });

const messagesOf = (errors: string[] | undefined) =>
  [...new Set((errors ?? []).map((error) => (JSON.parse(error) as { message: string }).message))].sort();

describe('compiled execution', () => {
  let context: TestContext;
  let schema: GraphQLSchema;
  let adminKey: string;
  let someId: string;

  beforeAll(async () => {
    context = await createTestContext();
    // 8 customers; c-n has n touchpoints on days 1..n: purchases of 10 × day on odd days, page views on even ones.
    const items = Array.from({ length: 8 }, (_, i) => i + 1).flatMap((n) =>
      Array.from({ length: n }, (_, day) => ({
        messageId: `c${n}-${day}`,
        customer: {
          externalId: `c-0${n}`,
          email: n % 3 === 0 ? null : `person${n}@example.com`,
          name: n % 2 === 0 ? `Person ${n}` : null,
          attributes: { plan: n % 2 === 0 ? 'pro' : 'free' },
        },
        type: day % 2 === 0 ? 'purchase' : 'page_view',
        channel: day % 2 === 0 ? 'web' : 'email',
        occurredAt: new Date(Date.UTC(2026, 0, day + 1, n)).toISOString(),
        value: day % 2 === 0 ? 10 * (day + 1) : null,
        currency: day % 2 === 0 ? 'EUR' : null,
        campaign: day === 1 ? 'spring' : null,
      })),
    );
    await context.services.ingest.record(items, (index) => `touchpoints[${index}]`);
    schema = await buildClmSchema(resolverContainer(context.services));
    ({ key: adminKey } = await context.services.apiKeys.create('compiled execution test', [Scope.ADMIN], null));
    const [row] = await context.db.query<{ id: string }>(`SELECT id::text FROM customers WHERE external_id = 'c-04'`);
    someId = row.id;
  });
  afterAll(async () => {
    await context.close();
  });

  /** Each text's validated document, reused as Apollo's document store does (a document is compiled on its second run). */
  const documents = new Map<string, DocumentNode>();
  const documentOf = (query: string) => {
    let document = documents.get(query);
    if (!document) {
      document = parse(query);
      expect(validate(schema, document)).toEqual([]);
      documents.set(query, document);
    }
    return document;
  };

  /** One run of `query` on `path`, on a request context of its own, as the JSON a client would read. */
  const run = async (execution: CompiledExecution, query: string, variables: Record<string, unknown>, path: ExecutionPath) => {
    const document = documentOf(query);
    const operation = getOperationAST(document);
    if (!operation) throw new Error(`no operation in ${query}`);
    const principal = await authenticate(context.services, `Bearer ${adminKey}`);
    const result: ExecutionResult = await execution.execute(
      {
        document,
        operation,
        operationName: null,
        variables,
        context: createContext(context.services, principal, 'test', new WorkScope('read')),
      },
      path,
    );
    // Errors in the order they were raised, which for two fields failing at once is the order their statements
    // answered, on either executor: compared sorted.
    const errors = result.errors?.map(({ message, path: at, locations }) => JSON.stringify({ message, at, locations })).sort();
    return { data: JSON.parse(JSON.stringify(result.data ?? null)) as unknown, errors };
  };

  it('answers random selections of the customers connection and a customer timeline exactly as graphql-js (150 operations)', async () => {
    const execution = new CompiledExecution(schema);
    await fc.assert(
      fc.asyncProperty(operation, fc.boolean(), async ({ query, first }, flag) => {
        const variables = { first, flag, id: someId };
        const general = await run(execution, query, variables, 'general');
        const compiled = await run(execution, query, variables, 'compiled');
        if (general.data !== null || compiled.data !== null) expect(compiled).toEqual(general);
        // When a failure nulls the whole response, graphql-js reports the failures that arrived until the first root
        // field failed (Promise.all), which depends on which statement answered first: then the same kinds of failure.
        else expect(messagesOf(compiled.errors)).toEqual(messagesOf(general.errors));
      }),
      { numRuns: 150 },
    );
    // Answers with errors (bad cursors) are graphql-js's, run again.
    expect(execution.served.compiled + execution.served.rerun).toBe(150);
    expect(execution.served.compiled).toBeGreaterThan(50);
  }, 120_000);

  it('answers a bad variable with graphql-js words: the compiled run is run again on graphql-js', async () => {
    const execution = new CompiledExecution(schema);
    const query = 'query ($first: Int) { customers(first: $first) { edges { node { id } } } }';
    const answer = await run(execution, query, { first: 'three' }, 'auto');
    expect(answer).toEqual({
      data: null,
      errors: [
        JSON.stringify({
          message: 'Variable "$first" got invalid value "three"; Int cannot represent non-integer value: "three"',
          locations: [{ line: 1, column: 8 }],
        }),
      ],
    });
    // The first run of a document is not compiled; the second is, finds the error, and is answered by graphql-js.
    expect(await run(execution, query, { first: 'three' }, 'auto')).toEqual(answer);
    expect(execution.served).toEqual({ compiled: 0, general: 1, rerun: 1 });
    await run(execution, query, { first: 1 }, 'auto');
    expect(execution.served).toEqual({ compiled: 1, general: 1, rerun: 1 });
  });

  it('keeps mutations and operations with other root fields on graphql-js', async () => {
    const execution = new CompiledExecution(schema);
    const queries = [
      '{ lifecycleModel { name } }',
      'mutation { deleteCustomer(id: "00000000-0000-0000-0000-000000000000") }',
      '{ customers(first: 1) { edges { node { id } } } lifecycleModel { name } }',
    ];
    for (const query of queries) {
      for (let time = 0; time < 2; time++) await run(execution, query, {}, 'auto');
      await expect(run(execution, query, {}, 'compiled')).rejects.toThrow('not in the class of compiled operations');
    }
    expect(execution.served).toEqual({ compiled: 0, general: 6, rerun: 0 });
  });
});
