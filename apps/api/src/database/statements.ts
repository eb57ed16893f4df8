import { createHash } from 'node:crypto';
import type { PoolClient, QueryResultRow } from 'pg';
import { SqlFragment } from './sql';

/*
 * What a statement is and how one runs: plain text, a `prepared()` statement
 * or a `sql` fragment, the `Queryable` that both the Db and a unit of work
 * are, and the one function that sends a statement on a connection, which
 * the Db (db.ts) and a unit of work (transactions.ts) both run through.
 */

/**
 * SQL text, optionally prepared: a `Statement` made by `prepared()` is parsed
 * and planned once per connection and then only executed (hot reads use it);
 * or a fragment composed with the `sql` tag (./sql.ts), which carries its own
 * parameters.
 */
export type Sql = string | Statement | SqlFragment | PreparedFragment;
export type Statement = { readonly name: string; readonly text: string };
/** A composed statement run prepared: named by a hash of its rendered text, like a `Statement`. */
export type PreparedFragment = { readonly fragment: SqlFragment };

/** The statements named so far, by text: a composed statement runs many times, and its name is a hash of its text. */
const named = new Map<string, Statement>();
const MAX_NAMED = 2000;

/**
 * Names a statement by a hash of its text, so the same text always reuses the
 * same prepared statement. A fragment is named when it runs (each filter or
 * rule shape is then parsed and planned once per connection).
 */
export function prepared(text: string): Statement;
export function prepared(fragment: SqlFragment): PreparedFragment;
export function prepared(source: string | SqlFragment): Statement | PreparedFragment {
  if (source instanceof SqlFragment) return { fragment: source };
  let statement = named.get(source);
  if (!statement) {
    statement = { name: `clm_${createHash('sha1').update(source).digest('base64url').slice(0, 16)}`, text: source };
    // Texts come from a closed set of shapes (filters, sorts, rules); the bound only keeps a pathological mix from growing it.
    if (named.size >= MAX_NAMED) named.clear();
    named.set(source, statement);
  }
  return statement;
}

/**
 * A batch as one array per column, for statements that take it as typed array
 * parameters (`unnest($1::text[], $2::uuid[], …)`): cheaper to send and to
 * read than a JSON document. `values` gives one row's `width` values in
 * parameter order; no rows give `width` empty arrays.
 */
export function columnsOf<T>(rows: readonly T[], width: number, values: (row: T) => readonly unknown[]): unknown[][] {
  const columns: unknown[][] = Array.from({ length: width }, () => []);
  for (const row of rows) {
    const rowValues = values(row);
    if (rowValues.length !== width) throw new Error(`columnsOf: a row gave ${rowValues.length} values, not ${width}`);
    for (let index = 0; index < width; index++) columns[index].push(rowValues[index]);
  }
  return columns;
}

/** Anything that runs SQL: the pool, or a unit of work's transaction. */
export type Queryable = {
  /** Rows of a statement, typed by the caller next to its SQL. */
  query<Row extends QueryResultRow>(sql: Sql, parameters?: readonly unknown[]): Promise<Row[]>;
  /** The number of rows a statement changed. */
  execute(sql: Sql, parameters?: readonly unknown[]): Promise<number>;
};

type Runner = Pick<PoolClient, 'query'>;

/** Sends `sql` on `runner`: a fragment is rendered (run prepared when it was wrapped by `prepared()`), `observe` sees the text. */
export async function run<Row extends QueryResultRow>(
  runner: Runner,
  sql: Sql,
  parameters: readonly unknown[],
  observe?: (text: string) => void,
) {
  if (sql instanceof SqlFragment || (typeof sql === 'object' && 'fragment' in sql)) {
    if (parameters.length > 0) throw new Error('A sql`…` fragment carries its own parameters; pass none beside it');
    const { text, values } = (sql instanceof SqlFragment ? sql : sql.fragment).render();
    return run<Row>(runner, sql instanceof SqlFragment ? text : prepared(text), values, observe);
  }
  observe?.(typeof sql === 'string' ? sql : sql.text);
  const values = parameters as unknown[];
  return typeof sql === 'string' ? runner.query<Row>(sql, values) : runner.query<Row>({ name: sql.name, text: sql.text, values });
}
