import type { QueryResultRow } from 'pg';
import { prepared } from '../database/db';
import type { Queryable, Statement } from '../database/db';
import { parseSnapshot } from './log-position';
import type { LogPosition, Snapshot } from './log-position';

type PositionColumns = { log_tx_id: string; log_id: string };

/** One row read from a log, with its position. */
export type LogEntry<T> = { position: LogPosition; value: T };

/** How to read one append-only table as a log; `Row` is the row the select list produces. */
export type LogSource<Row extends QueryResultRow, T> = {
  /** The table; it must have `id bigint` and `tx_id xid8 DEFAULT pg_current_xact_id()` with an index on (tx_id, id). */
  table: string;
  /** Extra SELECT list and joins, with the table aliased `e`. */
  select: string;
  joins?: string;
  toValue: (row: Row) => T;
};

/** What the tailer and replays need from a log. */
export type LogReader<T> = {
  read(after: LogPosition, limit: number, upTo?: LogPosition): Promise<Array<LogEntry<T>>>;
  snapshot(): Promise<Snapshot>;
  head(): Promise<LogPosition>;
  /** Whether rows after `after` have committed that `read` cannot return yet (held back behind an older transaction still in flight). */
  heldBack(after: LogPosition): Promise<boolean>;
};

/**
 * Reads a log table in commit-safe order.
 *
 * Ids from a sequence are not in commit order: a transaction can take id 7,
 * another id 8 and commit first. So rows are ordered by the id of the
 * transaction that wrote them, and only rows written by transactions older
 * than the oldest one still in flight (the snapshot's xmin) are returned.
 * Every such transaction has finished, so nothing can later appear below
 * what was read, and a reader that resumes after the last position it saw
 * misses nothing and sees nothing twice.
 */
export class EventLog<T, Row extends QueryResultRow> implements LogReader<T> {
  private readonly readOpen: Statement;
  private readonly readBounded: Statement;
  private readonly committedAfter: Statement;

  constructor(
    private readonly db: Queryable,
    private readonly source: LogSource<Row, T>,
  ) {
    this.readOpen = prepared(readStatement(source, ''));
    this.readBounded = prepared(readStatement(source, 'AND (e.tx_id, e.id) <= ($4::xid8, $5::bigint)'));
    // Without the xmin bound: every committed row is visible to this statement, final or not.
    this.committedAfter = prepared(
      `SELECT EXISTS (SELECT 1 FROM ${source.table} e WHERE (e.tx_id, e.id) > ($1::xid8, $2::bigint)) AS held_back`,
    );
  }

  /** Rows after `after` (and at or below `upTo`, when given), oldest first. */
  async read(after: LogPosition, limit: number, upTo?: LogPosition): Promise<Array<LogEntry<T>>> {
    const parameters: unknown[] = [after.txId.toString(), after.id.toString(), limit];
    if (upTo) parameters.push(upTo.txId.toString(), upTo.id.toString());
    const rows = await this.db.query<Row & PositionColumns>(upTo ? this.readBounded : this.readOpen, parameters);
    return rows.map((row) => ({
      position: { txId: BigInt(row.log_tx_id), id: BigInt(row.log_id) },
      value: this.source.toValue(row),
    }));
  }

  async heldBack(after: LogPosition): Promise<boolean> {
    const [row] = await this.db.query<{ held_back: boolean }>(this.committedAfter, [after.txId.toString(), after.id.toString()]);
    return row.held_back;
  }

  /** The database's current snapshot: what "now" means for a subscriber without a cursor. */
  async snapshot(): Promise<Snapshot> {
    const [row] = await this.db.query<{ snapshot: string }>(`SELECT pg_current_snapshot()::text AS snapshot`);
    return parseSnapshot(row.snapshot);
  }

  /** The position of the newest row that is final, or the start of the log. */
  async head(): Promise<LogPosition> {
    const rows = await this.db.query<{ tx_id: string; id: string }>(
      // Ordered by the columns, not by the text output columns of the same name ('999' > '1000').
      `SELECT e.tx_id::text AS tx_id, e.id::text AS id FROM ${this.source.table} e
        WHERE e.tx_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY e.tx_id DESC, e.id DESC LIMIT 1`,
    );
    return rows.length === 0 ? { txId: 0n, id: 0n } : { txId: BigInt(rows[0].tx_id), id: BigInt(rows[0].id) };
  }
}

function readStatement<Row extends QueryResultRow, T>(source: LogSource<Row, T>, bound: string): string {
  return `SELECT e.tx_id::text AS log_tx_id, e.id::text AS log_id, ${source.select}
            FROM ${source.table} e ${source.joins ?? ''}
           WHERE (e.tx_id, e.id) > ($1::xid8, $2::bigint) ${bound}
             AND e.tx_id < pg_snapshot_xmin(pg_current_snapshot())
           ORDER BY e.tx_id, e.id
           LIMIT $3`;
}
