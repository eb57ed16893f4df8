/**
 * Segments benchmark: the latency of `previewSegment` (what a rule builder
 * calls on every keystroke) for four typical rules at 100,000 customers and
 * 1,000,000 touchpoints (the reads dataset, loaded with COPY into a scratch
 * database), over HTTP against the API, next to the same compiled SQL run
 * directly with pg (the floor: what PostgreSQL itself needs).
 *
 * Needs the API built (apps/api/dist, or --api-dist). Usage:
 *   npm run segments -w @clm/bench -- [--customers N] [--touchpoints N] [--runs N] [--explain] [--keep] [--api-dist DIR]
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as RuleValidation from '@clm/api/modules/segments/rule-validation';
import type * as SegmentSql from '@clm/api/modules/segments/segment.sql';
import type * as ApiServices from '@clm/api/server/services';
import { pathToFileURL } from 'node:url';
import { generateAdminKey, requireApiBuild, startApi } from './shared/api-process.js';
import { runBenchmark } from './shared/cleanup.js';
import type { Cleanup } from './shared/cleanup.js';
import { fail, intFlag, log } from './shared/cli.js';
import { waitForProjections } from './shared/projections.js';
import { query } from './shared/graphql.js';
import { DEFAULT_API_DIST } from './shared/paths.js';
import { createDatabase, databaseExists, databaseUrl, dropDatabase, openServer, withClient } from './shared/postgres.js';
import { median, percentile, round } from './shared/stats.js';
import { copyDataset } from './reads/dataset-copy.js';
import { DATASET_NOW, generateDataset } from './reads/dataset.js';

type Options = { customers: number; touchpoints: number; runs: number; explain: boolean; keep: boolean; apiDist: string };

/** Four rules a marketer would build, as `SegmentRuleInput` values. */
const RULES: Record<string, unknown> = {
  'repeat buyers: ≥ 2 purchases in the last 90 days': { behaviour: { types: ['purchase'], withinDays: 90, operator: 'GTE', value: 2 } },
  'pro/business plan in NL or DE, seen in the last 30 days': {
    and: [
      { attribute: { name: 'plan', operator: 'IN', value: ['pro', 'business'] } },
      { attribute: { name: 'country', operator: 'IN', value: ['NL', 'DE'] } },
      { field: { field: 'DAYS_SINCE_LAST_SEEN', operator: 'LTE', value: 30 } },
    ],
  },
  'retention customers with no login for 30 days': {
    and: [
      { field: { field: 'STAGE', operator: 'EQ', value: 'retention' } },
      { behaviour: { types: ['login'], withinDays: 30, operator: 'EQ', value: 0 } },
    ],
  },
  'detractors (latest NPS ≤ 6) or revenue > 500 and not churned': {
    or: [
      { field: { field: 'NPS_SCORE', operator: 'LTE', value: 6 } },
      {
        and: [
          { field: { field: 'REVENUE', operator: 'GT', value: 500 } },
          { not: { field: { field: 'STAGE', operator: 'EQ', value: 'churned' } } },
        ],
      },
    ],
  },
};

/** Customers per re-evaluated batch: about what one ingest batch of 500 touchpoints names. */
const BATCH = 500;

const PREVIEW = `query ($rule: SegmentRuleInput!, $asOf: DateTime) { previewSegment(rule: $rule, asOf: $asOf) { count sample { id email stage } } }`;

/** A statement composed with the API's `sql` tag: its text and parameters. */
type Statement = { text: string; values: unknown[] };

/** What the benchmark uses of the API build's segment module and composition root (CommonJS, loaded from its dist). */
type SegmentsDist = Pick<typeof RuleValidation, 'validateSegmentRule'> &
  Pick<typeof SegmentSql, 'previewStatement' | 'matchingStatement'> &
  Pick<typeof ApiServices, 'SEGMENT_RELATIONS'>;

function loadSegmentsDist(apiDist: string): SegmentsDist {
  const require = createRequire(pathToFileURL(path.join(apiDist, 'package.json')));
  // The SQL module defines GraphQL object types, whose decorators need reflect-metadata.
  require('reflect-metadata');
  const validation: typeof RuleValidation = require(path.join(apiDist, 'modules/segments/rule-validation.js'));
  const sql: typeof SegmentSql = require(path.join(apiDist, 'modules/segments/segment.sql.js'));
  const services: typeof ApiServices = require(path.join(apiDist, 'server/services.js'));
  return {
    validateSegmentRule: validation.validateSegmentRule,
    previewStatement: sql.previewStatement,
    matchingStatement: sql.matchingStatement,
    SEGMENT_RELATIONS: services.SEGMENT_RELATIONS,
  };
}

/** A benchmark rule, validated by the API build (they are all valid; a build that disagrees stops the run). */
function validRule(dist: SegmentsDist, input: unknown) {
  const { rule } = dist.validateSegmentRule(input);
  return rule ?? fail(`a benchmark rule is invalid: ${JSON.stringify(input)}`);
}

/**
 * What the projection evaluates for one batch of customers (the read half of
 * the membership refresh statement: which of them match).
 */
function batchSql(dist: SegmentsDist, input: unknown, asOf: Date, customers: string[]): Statement {
  const { text, values } = dist.matchingStatement(validRule(dist, input), asOf, customers, dist.SEGMENT_RELATIONS);
  return { text, values };
}

/** The statement previewSegment runs, for the floor and for EXPLAIN. */
function previewSql(dist: SegmentsDist, input: unknown, asOf: Date): Statement {
  const { text, values } = dist.previewStatement(validRule(dist, input), asOf, 10, dist.SEGMENT_RELATIONS);
  return { text, values };
}

async function time<T>(work: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const result = await work();
  return [performance.now() - started, result];
}

async function run(options: Options, cleanup: Cleanup): Promise<void> {
  requireApiBuild(options.apiDist);
  const dist = loadSegmentsDist(options.apiDist);
  if (!process.env.DATABASE_URL) log('starting an embedded PostgreSQL (set DATABASE_URL to use your own server)');
  const server = await openServer();
  cleanup.push(() => server.stop());
  // --keep: a database named after the dataset survives the run and is reused by the next one (the API migrates it on start).
  const name = options.keep
    ? `clm_bench_segments_${options.customers}_${options.touchpoints}`
    : `clm_bench_segments_${randomBytes(4).toString('hex')}`;
  const url = databaseUrl(server.url, name);
  const reuse = options.keep && (await databaseExists(server.url, name));
  if (!options.keep) cleanup.push(() => dropDatabase(server.url, name));
  const key = generateAdminKey();
  if (reuse) log(`reusing database ${name} (--keep)`);
  else {
    await createDatabase(server.url, name);
    log('migrating the scratch database (starting the API once)');
    const first = await startApi({ apiDist: options.apiDist, databaseUrl: url, adminKey: key, env: { CLM_SEGMENT_REFRESH_SECONDS: '0' } });
    await first.stop();
    log(
      `generating and loading ${options.customers.toLocaleString('en-US')} customers and ${options.touchpoints.toLocaleString('en-US')} touchpoints with COPY`,
    );
    const dataset = generateDataset({ customers: options.customers, touchpoints: options.touchpoints, seed: 1 });
    await withClient(url, (client) => copyDataset(client, dataset));
  }

  const api = await startApi({ apiDist: options.apiDist, databaseUrl: url, adminKey: key, env: { CLM_SEGMENT_REFRESH_SECONDS: '0' } });
  cleanup.push(() => api.stop());
  // NPS scores and acquisitions are read from the metrics projection: let it fold the loaded logs first.
  await waitForProjections(url);
  const asOf = new Date(DATASET_NOW);
  const lines: string[] = [];
  lines.push(
    `previewSegment at ${options.customers.toLocaleString('en-US')} customers / ${options.touchpoints.toLocaleString('en-US')} touchpoints, PostgreSQL ${server.version} (${server.kind}), ${options.runs} runs each after 3 warm-ups, asOf ${asOf.toISOString()}`,
  );
  lines.push(`rule | matches | API p50 ms | API p90 ms | SQL p50 ms | API ÷ SQL | batch of ${BATCH} customers p50 ms`);
  await withClient(url, async (client) => {
    const batch = (await client.query<{ id: string }>(`SELECT id FROM customers ORDER BY md5(id::text) LIMIT ${BATCH}`)).rows.map(
      (row) => row.id,
    );
    for (const [label, rule] of Object.entries(RULES)) {
      const sql = previewSql(dist, rule, asOf);
      const apiTimes: number[] = [];
      const sqlTimes: number[] = [];
      const batchTimes: number[] = [];
      const batchStatement = batchSql(dist, rule, asOf, batch);
      let count = 0;
      for (let attempt = 0; attempt < options.runs + 3; attempt++) {
        const [apiMs, data] = await time(() => query(api.graphqlUrl, key, PREVIEW, { rule, asOf: asOf.toISOString() }));
        const [sqlMs] = await time(() => client.query(sql.text, sql.values));
        const [batchMs] = await time(() => client.query(batchStatement.text, batchStatement.values));
        count = (data as { previewSegment: { count: number } }).previewSegment.count;
        if (attempt >= 3) {
          apiTimes.push(apiMs);
          sqlTimes.push(sqlMs);
          batchTimes.push(batchMs);
        }
      }
      const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
      const apiP50 = median(apiTimes) ?? 0;
      const sqlP50 = median(sqlTimes) ?? 0;
      lines.push(
        `${label} | ${count.toLocaleString('en-US')} | ${round(apiP50, 1)} | ${round(percentile(sorted(apiTimes), 90), 1)} | ${round(sqlP50, 1)} | ${round(apiP50 / sqlP50, 2)} | ${round(median(batchTimes), 1)}`,
      );
      if (options.explain) {
        const plan = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql.text}`, sql.values);
        lines.push(plan.rows.map((row) => `    ${row['QUERY PLAN']}`).join('\n'));
      }
    }
  });
  process.stdout.write(`${lines.join('\n')}\n`);
}

function parseOptions(argv: string[]): Options {
  const options: Options = { customers: 100_000, touchpoints: 1_000_000, runs: 21, explain: false, keep: false, apiDist: DEFAULT_API_DIST };
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index];
    const value = () => argv[++index] ?? fail(`${flag} needs a value`);
    if (flag === '--customers') options.customers = intFlag('customers', value());
    else if (flag === '--touchpoints') options.touchpoints = intFlag('touchpoints', value());
    else if (flag === '--runs') options.runs = intFlag('runs', value());
    else if (flag === '--explain') options.explain = true;
    else if (flag === '--keep') options.keep = true;
    else if (flag === '--api-dist') options.apiDist = path.resolve(value());
    else fail(`unknown flag ${flag}`);
  }
  return options;
}

runBenchmark((cleanup) => run(parseOptions(process.argv.slice(2)), cleanup));
