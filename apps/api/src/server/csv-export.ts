import { Router } from 'express';
import type { NextFunction, Request, Response } from 'express';
import { isoDay } from '../core/dates';
import { ClmError, CoreError } from '../core/errors';
import { hasScope, Scope } from '../core/principal';
import type { ExportLimits, OperationLimits } from '../config';
import { DEFAULT_EXPORT_LIMITS } from '../config';
import type { Principal } from '../core/principal';
import { DatabaseError } from '../database/database.errors';
import type { Db } from '../database/db';
import { databaseUnavailable, WorkScope } from '../database/db';
import { Semaphore } from '../database/semaphore';
import { sql } from '../database/sql';
import type { SqlFragment } from '../database/sql';
import { customerFilter, customersFieldCost, resolveCustomerFilter } from '../modules/customers';
import { METRIC_NAMES, metricsPrice, metricTable, rangeShape } from '../modules/metrics';
import { segmentMembers } from '../modules/segments';
import { authenticate } from './context';
import { csvDecimal, csvRecord, csvTable } from './csv';
import type { CsvCell } from './csv';
import { membershipParameter, parseCustomersCsvQuery, parseMetricsCsvQuery } from './csv-params';
import type { CustomersCsvFilter } from './csv-params';
import { sendCsvHeaders, streamCursor } from './csv-stream';
import { clientErrorOf, GENERIC_MESSAGE } from './error-mapping';
import type { ExpensiveWork } from './expensive-work';
import { costLimitExceeded } from './limits.errors';
import { refuseRateLimitedKeys } from './rate-limited-keys';
import type { Logger } from './logger';
import type { Services } from './services';
import { ExportGuard, StreamingExports } from './export-guard';
import { clientGone, requestWorkKind, requestWorkScope } from './work-scope';
import type { WorkLocals } from './work-scope';

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
 * bad parameters are answered in the GraphQL error shape, as JSON. Here: the
 * routes, the key check, the error answers and what customers.csv reads; the
 * parameters are read in csv-params.ts, the cursor streamed in csv-stream.ts.
 */

export const CSV_EXPORT_PATH = '/api';

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

type Locals = WorkLocals & { requestId: string; principal?: Principal };

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
  // Both exports only read: they may read the read replica (the key check runs on the primary, as every key check).
  router.use(requestWorkScope('read', 0, true));
  router.use(requireReadKey(services));
  router.use(refuseRateLimitedKeys(options.expensiveWork));
  router.use('/metrics.csv', requestWorkKind('metrics'));
  router.get('/customers.csv', async (request, response, next) => {
    try {
      const filter = parseCustomersCsvQuery(request.query);
      if (filter.metric !== null) {
        // The customers behind a number, priced as the customers query prices its metric filter.
        const { principal } = response.locals as Locals;
        const cost = customersFieldCost({ args: { filter: { metric: filter.metric } }, selections: [] });
        const limit = principal?.maxCost ?? options.limits.maxCost;
        if (cost > limit) {
          options.expensiveWork.refused(principal?.keyId ?? '');
          throw costLimitExceeded(cost, limit, [{ field: 'behind', price: cost }]);
        }
      }
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
          const db = services.db.inScope(new WorkScope('export', clientGone(response), true));
          await streamCustomers(db, await customersCondition(services, db, filter), response, stallMs);
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
      const principal = (response.locals as Locals).principal;
      const keyId = principal?.keyId ?? '';
      const limit = principal?.maxCost ?? options.limits.maxCost;
      if (cost > limit) {
        options.expensiveWork.refused(keyId);
        throw costLimitExceeded(cost, limit, [{ field: metric, price: cost }]);
      }
      const { metrics } = services.scoped(services.db.inScope((response.locals as Locals).work ?? new WorkScope('metrics', null, true)));
      const table = await options.expensiveWork.run(keyId, () => metricTable(metrics, metric, query));
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

// ------------------------------------------------------------------ customers.csv

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
function customersQuery(where: SqlFragment): SqlFragment {
  return sql`SELECT c.id::text, c.external_id, c.email, c.name, c.stage, ${iso('c.stage_entered_at')}, ${iso('c.first_seen_at')},
      ${iso('c.last_seen_at')}, c.orders::text, c.revenue::text, ${iso('c.acquired_at')}, c.acquisition_channel,
      c.acquisition_campaign, array_to_string(c.segments, ';'), c.attributes::text
    FROM bi.customers c
    WHERE ${where}
    ORDER BY c.created_at, c.id`;
}

/** The customers filter of the export's parameters; a membership the metrics refuse is named by its parameter. */
async function customersCondition(services: Services, db: Db, filter: CustomersCsvFilter): Promise<SqlFragment> {
  const { metrics } = services.scoped(db);
  try {
    const resolved = await resolveCustomerFilter(filter, { segmentMembers, metricMembers: (spec) => metrics.members(spec) });
    return customerFilter(resolved, { segmentMembers });
  } catch (error) {
    const field = error instanceof ClmError && typeof error.details.field === 'string' ? error.details.field : '';
    const parameter = membershipParameter(field);
    if (!(error instanceof ClmError) || parameter === null) throw error;
    throw new ClmError(CoreError.INVALID_INPUT, `${parameter}: ${error.message.slice(field.length + 2)}`, { field: parameter });
  }
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

async function streamCustomers(db: Db, where: SqlFragment, response: Response, stallMs: number): Promise<void> {
  await streamCursor(db, customersQuery(where), response, {
    filename: 'customers.csv',
    header: csvRecord(CUSTOMER_CSV_COLUMNS),
    record: (row) => csvRecord(customerCells(row)),
    stallMs,
  });
}
