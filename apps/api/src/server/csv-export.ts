import { Router } from 'express';
import type { NextFunction, Request, Response } from 'express';
import { isoDay, parseIsoDate } from '../core/dates';
import { ClmError, CoreError } from '../core/errors';
import { isUuid, textProblem } from '../core/ids';
import { hasScope, Scope } from '../core/principal';
import type { PoolClient } from 'pg';
import type { ExportLimits, OperationLimits } from '../config';
import { DEFAULT_EXPORT_LIMITS } from '../config';
import type { Principal } from '../core/principal';
import { DatabaseError } from '../database/database.errors';
import type { Db } from '../database/db';
import { databaseUnavailable, WorkScope } from '../database/db';
import { Semaphore } from '../database/semaphore';
import { sql } from '../database/sql';
import type { SqlFragment } from '../database/sql';
import { customerFilter } from '../modules/customers';
import { LAST_RANGE_DAY, METRIC_NAMES, metricsPrice, metricTable, rangeShape } from '../modules/metrics';
import type { MetricTableQuery } from '../modules/metrics';
import { authenticate } from './context';
import { csvDecimal, csvRecord, csvTable } from './csv';
import type { CsvCell } from './csv';
import { clientErrorOf, GENERIC_MESSAGE } from './error-mapping';
import type { ExpensiveWork } from './expensive-work';
import { costLimitExceeded } from './limits.errors';
import type { Logger } from './logger';
import { CUSTOMER_RELATIONS } from './services';
import type { Services } from './services';
import { ExportGuard, StreamingExports } from './export-guard';
import { clientGone, requestWorkKind, requestWorkScope } from './work-scope';

/*
 * CSV exports for BI tools and spreadsheets, under /api:
 *
 * - GET /api/customers.csv: every customer (optionally by stage or segment),
 *   streamed from a server-side cursor: one batch is fetched, written, and the
 *   next is fetched only once the client has taken it (the response's
 *   backpressure), so memory stays flat whatever the table's size, and a
 *   client that goes away releases its connection at the next batch.
 * - GET /api/metrics.csv: one metric as a table (modules/metrics `metricTable`):
 *   `bucket,value` per bucket, or the journey's and spend's own columns.
 *
 * Both need a key with the `read` scope, sent as for /graphql; refusals and
 * bad parameters are answered in the GraphQL error shape, as JSON.
 */

export const CSV_EXPORT_PATH = '/api';

/** Rows fetched from the cursor per round trip (about 1 MB of CSV for typical customers). */
const FETCH_ROWS = 1000;
/** A client that takes nothing for this long is cut off, so it cannot hold a connection and a snapshot forever. */
const DEFAULT_STALL_MS = 60_000;

export type CsvExportOptions = {
  services: Services;
  logger: Logger;
  /** metrics.csv is priced as the `metrics` query is, against the same limit. */
  limits: Pick<OperationLimits, 'maxCost'>;
  /** The instance's gate for expensive work, shared with GraphQL. */
  expensiveWork: ExpensiveWork;
  /** Minimum rate and total time of one export (config.ts, CLM_EXPORT_*). */
  exportLimits?: ExportLimits;
  stallMs?: number;
};

type Locals = { requestId: string; principal?: Principal };

/** The /api router: the key check, both exports, and JSON 404s for anything else under /api. */
export function csvExportRouter(options: CsvExportOptions): Router {
  const router = Router();
  const { services } = options;
  // One slot per export connection: an export holds its connection (and its snapshot) while its client reads.
  const exports = new Semaphore(services.db.limits.export.connections);
  const stallMs = options.stallMs ?? DEFAULT_STALL_MS;
  const exportLimits = options.exportLimits ?? DEFAULT_EXPORT_LIMITS;
  const streaming = new StreamingExports(services);
  // The key is checked as an interactive read; metrics.csv is a metrics request (its connections and time limit; the
  // client leaving cancels it); customers.csv runs in an export scope of its own.
  router.use(requestWorkScope(services.db, 'read'));
  router.use(requireReadKey(services));
  router.use('/metrics.csv', requestWorkKind(services.db, 'metrics'));
  router.get('/customers.csv', async (request, response, next) => {
    try {
      const filter = parseCustomersCsvQuery(request.query);
      await exports.run(async () => {
        // A client that left while waiting for its turn costs nothing.
        if (response.destroyed) return;
        const { principal } = response.locals as Locals;
        if (!principal) throw new ClmError(CoreError.UNAUTHENTICATED, 'missing API key');
        const guard = new ExportGuard(response, exportLimits, {
          principal,
          authorization: request.headers.authorization,
          services,
          logger: options.logger,
        });
        const stop = streaming.add(guard);
        try {
          // On the exports' own connections and statement limit; the client leaving cancels the FETCH in flight.
          await services.db.within(new WorkScope('export', clientGone(response)), () =>
            streamCustomers(services.db, filter, response, stallMs),
          );
        } finally {
          stop();
        }
      });
    } catch (error) {
      next(error);
    }
  });
  router.get('/metrics.csv', async (request, response, next) => {
    try {
      const { metric, ...query } = parseMetricsCsvQuery(request.query, METRIC_NAMES);
      // One metric, priced as the metrics query prices it, then run in a slot of the key's.
      const cost = metricsPrice({
        ...rangeShape(isoDay(query.from), isoDay(query.to), query.bucket),
        metrics: 1,
        filter: {
          segment: query.filter.segment !== undefined,
          channel: query.filter.channel !== undefined,
          campaign: query.filter.campaign !== undefined,
        },
        compareToPrevious: false,
      });
      if (cost > options.limits.maxCost) throw costLimitExceeded(cost, options.limits.maxCost, [{ field: metric, price: cost }]);
      const keyId = (response.locals as Locals).principal?.keyId ?? '';
      const table = await options.expensiveWork.run(keyId, () => metricTable(options.services.metrics, metric, query));
      sendCsvHeaders(response, `${metric}.csv`);
      // Amounts may come as exact decimal text: numbers, never prefixed; any other text is defended.
      response.end(
        csvTable(
          table.columns,
          table.rows.map((row) => row.map((cell) => (typeof cell === 'string' ? csvDecimal(cell) : cell))),
        ),
      );
    } catch (error) {
      next(error);
    }
  });
  router.use((request: Request, response: Response) => {
    response
      .status(404)
      .json({ errors: [{ message: `no export at ${request.baseUrl}${request.path}`, extensions: { code: 'NOT_FOUND' } }] });
  });
  router.use(exportErrors(options.logger));
  return router;
}

// ------------------------------------------------------------------ keys and errors

/** The same key check as /graphql, then the `read` scope: 401 without a valid key, 403 without the scope. */
function requireReadKey(services: Services) {
  return async (request: Request, response: Response, next: NextFunction) => {
    try {
      const principal = await authenticate(services, request.headers.authorization);
      (response.locals as Locals).principal = principal;
      if (!hasScope(principal, Scope.READ))
        throw new ClmError(CoreError.FORBIDDEN, 'this API key lacks the read scope that CSV exports need');
      (response.locals as Locals).principal = principal;
      next();
    } catch (error) {
      next(error);
    }
  };
}

/** Errors as JSON in the GraphQL shape; once the CSV has begun, the only honest signal left is to cut the response short. */
function exportErrors(logger: Logger) {
  return (error: unknown, request: Request, response: Response, next: NextFunction) => {
    const requestId = (response.locals as Locals).requestId;
    // The client left, or was cut off (the guard said why): its statement in flight was cancelled. Nothing to report.
    if (error instanceof ClmError && error.code === DatabaseError.REQUEST_CANCELLED) {
      response.destroy();
      return;
    }
    if (response.headersSent) {
      logger.error({ err: error, requestId, path: request.path }, 'a CSV export failed midway; the response was cut short');
      response.destroy();
      return;
    }
    if (error instanceof ClmError) {
      const client = clientErrorOf(error);
      if (typeof error.details.retryAfter === 'number') response.setHeader('retry-after', String(error.details.retryAfter));
      response
        .status(client.httpStatus)
        .json({ errors: [{ message: error.message, extensions: { code: client.graphqlCode, ...error.details } }] });
      return;
    }
    if (databaseUnavailable(error)) {
      response
        .status(503)
        .json({ errors: [{ message: 'the database is unavailable; retry shortly', extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
      return;
    }
    logger.error({ err: error, requestId, path: request.path }, 'unexpected error in a CSV export');
    if (!response.writableEnded)
      response.status(500).json({ errors: [{ message: GENERIC_MESSAGE, extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    else next(error);
  };
}

/** A parameter problem: which parameter, and what is wrong with it. */
export type ParameterIssue = { field: string; message: string };

/** One error naming every bad parameter (message: `from: not a date (YYYY-MM-DD); bucket: …`). */
function invalidParameters(issues: ParameterIssue[]): ClmError {
  return new ClmError(CoreError.INVALID_INPUT, issues.map((issue) => `${issue.field}: ${issue.message}`).join('; '), {
    field: issues[0].field,
    issues,
  });
}

type QueryValues = Request['query'];

/** Parameters not in `known`, and known ones given more than once, as issues. */
function shapeIssues(query: QueryValues, known: readonly string[], repeatable: readonly string[] = []): ParameterIssue[] {
  const issues: ParameterIssue[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (!known.includes(name)) issues.push({ field: name, message: `unknown parameter (known: ${known.join(', ')})` });
    else if (typeof value !== 'string' && !(repeatable.includes(name) && Array.isArray(value)))
      issues.push({ field: name, message: 'given more than once' });
  }
  return issues;
}

/** A free-text parameter: storable and at most 256 characters. */
function textIssue(field: string, value: string): ParameterIssue | null {
  const problem = textProblem(value) ?? (value.length > 256 ? 'longer than 256 characters' : value === '' ? 'is empty' : null);
  return problem === null ? null : { field, message: problem };
}

// ------------------------------------------------------------------ customers.csv

/** Customers in any of `stages` (all when empty) and, when given, members of the segment with id `segment`. */
export type CustomersCsvFilter = { stages: string[]; segment: string | null };

const CUSTOMER_PARAMETERS = ['stage', 'segment'] as const;

/** `?stage=a&stage=b&segment=…`; every bad parameter named. */
export function parseCustomersCsvQuery(query: QueryValues): CustomersCsvFilter {
  const issues = shapeIssues(query, CUSTOMER_PARAMETERS, ['stage']);
  const rawStages = query.stage === undefined ? [] : Array.isArray(query.stage) ? query.stage : [query.stage];
  const stages = rawStages.filter((stage): stage is string => typeof stage === 'string');
  stages.forEach((stage, index) => {
    const issue = textIssue(stages.length > 1 ? `stage[${index}]` : 'stage', stage);
    if (issue) issues.push(issue);
  });
  const segment = typeof query.segment === 'string' ? query.segment.toLowerCase() : null;
  if (segment !== null && !isUuid(segment)) issues.push({ field: 'segment', message: 'not a segment id (a UUID)' });
  if (issues.length > 0) throw invalidParameters(issues);
  return { stages, segment };
}

/** The columns of customers.csv, in order. */
export const CUSTOMER_CSV_COLUMNS = [
  'id',
  'external_id',
  'email',
  'name',
  'stage',
  'stage_entered_at',
  'first_seen_at',
  'last_seen_at',
  'orders',
  'revenue',
  'acquired_at',
  'acquisition_channel',
  'acquisition_campaign',
  'segments',
  'attributes',
] as const;

/** An instant as ISO 8601 UTC with milliseconds, like the API's DateTime. */
const iso = (column: string) => sql.raw(`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

/**
 * Every column as text, so rows need no parsing: read from `bi.customers`, the
 * view BI tools query, so the export and the SQL view cannot disagree, and
 * filtered by the customers module's own filter (the view has the table's
 * columns). In creation order (the (created_at, id) index gives it without
 * sorting).
 */
function customersQuery(filter: CustomersCsvFilter): SqlFragment {
  const where = customerFilter({ stages: filter.stages, segment: filter.segment }, CUSTOMER_RELATIONS);
  return sql`SELECT c.id::text, c.external_id, c.email, c.name, c.stage, ${iso('c.stage_entered_at')}, ${iso('c.first_seen_at')},
      ${iso('c.last_seen_at')}, c.orders::text, c.revenue::text, ${iso('c.acquired_at')}, c.acquisition_channel,
      c.acquisition_campaign, array_to_string(c.segments, ';'), c.attributes::text
    FROM bi.customers c
    WHERE ${where}
    ORDER BY c.created_at, c.id`;
}

const REVENUE_COLUMN = CUSTOMER_CSV_COLUMNS.indexOf('revenue');
const ORDERS_COLUMN = CUSTOMER_CSV_COLUMNS.indexOf('orders');

/** One customer row (all text) as cells: counts and amounts are numbers, never prefixed; the rest is text. */
function customerCells(row: Array<string | null>): CsvCell[] {
  const cells: CsvCell[] = row;
  const revenue = row[REVENUE_COLUMN];
  const orders = row[ORDERS_COLUMN];
  if (revenue !== null) cells[REVENUE_COLUMN] = csvDecimal(revenue);
  if (orders !== null) cells[ORDERS_COLUMN] = csvDecimal(orders);
  return cells;
}

async function streamCustomers(db: Db, filter: CustomersCsvFilter, response: Response, stallMs: number): Promise<void> {
  await streamCursor(db, customersQuery(filter), response, {
    filename: 'customers.csv',
    header: csvRecord(CUSTOMER_CSV_COLUMNS),
    record: (row) => csvRecord(customerCells(row)),
    stallMs,
  });
}

// ------------------------------------------------------------------ streaming a cursor

/**
 * Streams a query's rows as CSV through a server-side cursor, in one
 * read-only transaction (one snapshot from the first row to the last).
 *
 * The connection is released on every path: done, failed, or the client
 * gone (noticed when the response closes; the batch in flight finishes, then
 * the transaction is rolled back and the connection returned to the pool).
 * Errors before the first byte (a bad query) reach the caller with no header
 * sent; later ones cut the response short (the caller's error handler).
 */
async function streamCursor(
  db: Db,
  query: SqlFragment,
  response: Response,
  output: { filename: string; header: string; record: (row: Array<string | null>) => string; stallMs: number },
): Promise<void> {
  await db.withConnection(async (client, markBroken) => {
    // The server may drop the connection while the export waits for the client to read: that must not end the process.
    client.on('error', markBroken);
    try {
      await streamOn(client, query, response, output);
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        markBroken(rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError)));
      });
      throw error;
    } finally {
      client.removeListener('error', markBroken);
    }
  });
}

/** The transaction and the cursor on one connection: a batch is fetched only once the client has taken the one before. */
async function streamOn(
  client: PoolClient,
  query: SqlFragment,
  response: Response,
  output: { filename: string; header: string; record: (row: Array<string | null>) => string; stallMs: number },
): Promise<void> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  const { text, values } = sql`DECLARE csv_export NO SCROLL CURSOR FOR ${query}`.render();
  await client.query({ text, values });
  sendCsvHeaders(response, output.filename);
  let pending = output.header;
  for (;;) {
    if (response.destroyed) break;
    const batch = await client.query<Array<string | null>>({ text: `FETCH ${FETCH_ROWS} FROM csv_export`, rowMode: 'array' });
    for (const row of batch.rows) pending += output.record(row);
    if (!response.write(pending)) await drained(response, output.stallMs);
    pending = '';
    if (batch.rows.length < FETCH_ROWS) break;
  }
  await client.query(response.destroyed ? 'ROLLBACK' : 'COMMIT');
  if (!response.destroyed) response.end();
}

/** Resolves once the response wants more, or has closed; a client that takes nothing for `stallMs` is cut off. */
function drained(response: Response, stallMs: number): Promise<void> {
  // A client that left while the batch was fetched: its 'close' has already been emitted.
  if (response.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    const timer = setTimeout(() => {
      response.destroy();
      done();
    }, stallMs);
    response.on('drain', done);
    response.on('close', done);
  });
}

function sendCsvHeaders(response: Response, filename: string): void {
  response.status(200);
  response.setHeader('content-type', 'text/csv; charset=utf-8');
  response.setHeader('content-disposition', `attachment; filename="${filename}"`);
  response.setHeader('cache-control', 'no-store');
  response.setHeader('x-content-type-options', 'nosniff');
}

// ------------------------------------------------------------------ metrics.csv

const METRIC_PARAMETERS = ['metric', 'from', 'to', 'bucket', 'segment', 'channel', 'campaign'] as const;
type Bucket = MetricTableQuery['bucket'];
const BUCKETS: readonly Bucket[] = ['DAY', 'WEEK', 'MONTH'];
/** The longest range one request may ask for: ten years of days. */
const MAX_RANGE_DAYS = 3660;

/** `?metric=…&from=YYYY-MM-DD&to=YYYY-MM-DD&bucket=DAY|WEEK|MONTH&segment=…&channel=…&campaign=…`; every bad parameter named. */
export function parseMetricsCsvQuery<Name extends string>(
  query: QueryValues,
  metricNames: readonly Name[],
): MetricTableQuery & { metric: Name } {
  const issues = shapeIssues(query, METRIC_PARAMETERS);
  const single = (name: string): string | undefined => (typeof query[name] === 'string' ? query[name] : undefined);

  const metricText = single('metric');
  const metric = metricNames.find((name) => name === metricText);
  const valid = `valid: ${metricNames.join(', ')}`;
  if (metricText === undefined) {
    if (query.metric === undefined) issues.push({ field: 'metric', message: `required (${valid})` });
  } else if (metric === undefined) {
    issues.push({ field: 'metric', message: `unknown metric "${metricText.slice(0, 100)}" (${valid})` });
  }

  const day = (name: 'from' | 'to'): Date | null => {
    const text = single(name);
    if (text === undefined) {
      if (query[name] === undefined) issues.push({ field: name, message: 'required, a date (YYYY-MM-DD)' });
      return null;
    }
    const parsed = parseIsoDate(text);
    if (parsed === null) issues.push({ field: name, message: 'not a date (YYYY-MM-DD)' });
    return parsed;
  };
  const from = day('from');
  const to = day('to');
  if (to && isoDay(to) > LAST_RANGE_DAY) issues.push({ field: 'to', message: `after ${LAST_RANGE_DAY} (the last day a range may end on)` });
  else if (from && to && to < from) issues.push({ field: 'to', message: 'before from' });
  else if (from && to && (to.getTime() - from.getTime()) / 86_400_000 >= MAX_RANGE_DAYS)
    issues.push({ field: 'to', message: `the range is longer than ${MAX_RANGE_DAYS} days` });

  const bucketText = single('bucket');
  const bucket = (bucketText ?? 'DAY').toUpperCase() as Bucket;
  if (!BUCKETS.includes(bucket)) issues.push({ field: 'bucket', message: 'must be DAY, WEEK or MONTH' });

  const filter: MetricTableQuery['filter'] = {};
  for (const name of ['segment', 'channel', 'campaign'] as const) {
    const value = single(name);
    if (value === undefined) continue;
    const issue =
      name === 'segment' ? (isUuid(value) ? null : { field: name, message: 'not a segment id (a UUID)' }) : textIssue(name, value);
    if (issue) issues.push(issue);
    else filter[name] = name === 'segment' ? value.toLowerCase() : value;
  }

  if (issues.length > 0 || metric === undefined || from === null || to === null) throw invalidParameters(issues);
  return { metric, from, to, bucket, filter };
}
