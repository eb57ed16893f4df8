import DataLoader from 'dataloader';
import type { QueryResultRow } from 'pg';
import { decodeCursor, encodeCursor, isTimestampText } from '../core/cursor';
import { invalidCursor, invalidInput } from '../core/errors';
import { lazyEdge, pageOf } from '../core/pagination';
import type { Page } from '../core/pagination';
import { requestScoped } from '../core/request-context';
import type { RequestScoped } from '../core/request-context';
import { prepared } from './db';
import type { Queryable, Statement } from './db';

/** One page request of a customer's timeline, newest first, and the node fields a client selected (all when null). */
export type TimelineWindow = { first: number; after: string | null; fields?: ReadonlySet<string> | null };

export const MAX_TIMELINE_PAGE = 200;

/** An append-only table with `customer_id`, `occurred_at` and a bigint `id`, indexed on (customer_id, occurred_at DESC, id DESC). */
export type TimelineTable<Row extends QueryResultRow, T> = {
  table: string;
  /**
   * Select-list expressions (the table aliased `t`) by the node field they
   * answer; `t.id::text AS id` and `t.customer_id` are always read. `Row`
   * is what the whole list produces; a page reads only what its client selected.
   */
  fieldColumns: Readonly<Record<string, string>>;
  toNode: (row: Row) => T;
};

type PageRow = { customer_id: string; sort_value: string; id: string };

type TimelineStatements = { pages: Map<string, Statement>; count: Statement };

/**
 * Pages of many customers' timelines in one statement: `unnest` of the ids
 * with a LATERAL index scan per customer, each reading at most `first + 1`
 * rows. The per-request loaders call it with every customer of a response.
 */
export class TimelineReader<Row extends QueryResultRow, T> {
  constructor(
    private readonly db: Queryable,
    private readonly spec: TimelineTable<Row, T>,
    /** Page statements by their select list and whether they start after a cursor, and the count; shared by every view. */
    private readonly statements: TimelineStatements = {
      pages: new Map(),
      count: prepared(
        `SELECT customer_id, count(*)::int AS count FROM ${spec.table} WHERE customer_id = ANY ($1::uuid[]) GROUP BY customer_id`,
      ),
    },
  ) {}

  /** The same reader, with the statements it has built, on another Db view (a request's). */
  on(db: Queryable): TimelineReader<Row, T> {
    return new TimelineReader(db, this.spec, this.statements);
  }

  async pages(customerIds: readonly string[], window: TimelineWindow): Promise<Map<string, Page<T>>> {
    if (!Number.isInteger(window.first) || window.first < 0 || window.first > MAX_TIMELINE_PAGE) {
      throw invalidInput('first', `must be between 0 and ${MAX_TIMELINE_PAGE}`);
    }
    const after = window.after === null ? null : this.decode(window.after);
    const statement = this.statement(window.fields ?? null, after !== null);
    const rows =
      after === null
        ? await this.db.query<Row & PageRow>(statement, [customerIds, window.first + 1])
        : await this.db.query<Row & PageRow>(statement, [customerIds, window.first + 1, after.occurredAt, after.id]);
    const byCustomer = new Map<string, Array<Row & PageRow>>(customerIds.map((id) => [id, []]));
    for (const row of rows) byCustomer.get(row.customer_id)?.push(row);
    const pages = new Map<string, Page<T>>();
    const cursorOf = (row: Row & PageRow) => encodeCursor([this.spec.table, row.sort_value, row.id]);
    for (const [customerId, mine] of byCustomer) {
      const edges = mine.slice(0, window.first).map((row) => lazyEdge(row, cursorOf, this.spec.toNode(row)));
      pages.set(customerId, pageOf(edges, mine.length > window.first, after !== null));
    }
    return pages;
  }

  /** How many rows each customer has (asked only when a client selects totalCount). */
  async counts(customerIds: readonly string[]): Promise<Map<string, number>> {
    const rows = await this.db.query<{ customer_id: string; count: number }>(this.statements.count, [customerIds]);
    return new Map(rows.map((row) => [row.customer_id, row.count]));
  }

  private statement(fields: ReadonlySet<string> | null, afterCursor: boolean): Statement {
    const selected = Object.entries(this.spec.fieldColumns)
      .filter(([field]) => fields === null || fields.has(field))
      .map(([, column]) => column);
    const columns = [...new Set(['t.id::text AS id', 't.customer_id', ...selected])].join(', ');
    const key = `${columns}|${afterCursor}`;
    let statement = this.statements.pages.get(key);
    if (!statement) {
      statement = prepared(
        `SELECT k.customer_id, t.* FROM unnest($1::uuid[]) AS k(customer_id)
         CROSS JOIN LATERAL (
           SELECT ${columns}, t.occurred_at::text AS sort_value FROM ${this.spec.table} t
            WHERE t.customer_id = k.customer_id ${afterCursor ? 'AND (t.occurred_at, t.id) < ($3::timestamptz, $4::bigint)' : ''}
            ORDER BY t.occurred_at DESC, t.id DESC
            LIMIT $2) t`,
      );
      this.statements.pages.set(key, statement);
    }
    return statement;
  }

  private decode(cursor: string): { occurredAt: string; id: string } {
    const [occurredAt, id] = decodeCursor(cursor, this.spec.table, 3, 'after');
    if (occurredAt === null || id === null || !isTimestampText(occurredAt) || !/^\d{1,19}$/.test(id)) throw invalidCursor('after');
    return { occurredAt, id };
  }
}

/** A timeline page; `countTotal` runs only when a client selects totalCount (batched across customers). */
export type TimelinePage<T> = Page<T> & { countTotal: () => Promise<number> };

/** Per request: a customer's timeline page, batched across every customer of the response that asks with the same window. */
export type TimelineLoader<T> = (customerId: string, window: TimelineWindow) => Promise<TimelinePage<T>>;

export function timelineLoader<Row extends QueryResultRow, T>(reader: TimelineReader<Row, T>): RequestScoped<TimelineLoader<T>> {
  return requestScoped(() => {
    const byWindow = new Map<string, DataLoader<string, Page<T>>>();
    const counts = new DataLoader(async (ids: readonly string[]) => {
      const found = await reader.counts(ids);
      return ids.map((id) => found.get(id) ?? 0);
    });
    return async (customerId, window) => {
      const key = `${window.first}:${window.after ?? ''}:${window.fields ? fieldsKey(window.fields) : '*'}`;
      let loader = byWindow.get(key);
      if (!loader) {
        loader = new DataLoader(async (ids: readonly string[]) => {
          const pages = await reader.pages(ids, window);
          return ids.map((id) => pages.get(id) ?? emptyPage<T>());
        });
        byWindow.set(key, loader);
      }
      return { ...(await loader.load(customerId)), countTotal: () => counts.load(customerId) };
    };
  });
}

/** A set of selected fields as text, sorted; kept per set (selectedFields hands out the same set for the same selection). */
const fieldsKeys = new WeakMap<ReadonlySet<string>, string>();

function fieldsKey(fields: ReadonlySet<string>): string {
  let key = fieldsKeys.get(fields);
  if (key === undefined) {
    key = [...fields].sort().join(',');
    fieldsKeys.set(fields, key);
  }
  return key;
}

function emptyPage<T>(): Page<T> {
  return pageOf([], false, false);
}
