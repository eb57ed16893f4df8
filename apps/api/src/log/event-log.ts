import type { DataSource } from 'typeorm';
import { parseSnapshot } from './log-position';
import type { LogPosition, Snapshot } from './log-position';

/** One row read from a log, with its position. */
export type LogEntry<T> = { position: LogPosition; value: T };

/** How to read one append-only table as a log. */
export type LogSource<T> = {
  /** The table; it must have `id bigint` and `tx_id xid8 DEFAULT pg_current_xact_id()` with an index on (tx_id, id). */
  table: string;
  /** Extra SELECT list and joins, with the table aliased `e`. */
  select: string;
  joins?: string;
  toValue: (row: Record<string, unknown>) => T;
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
export class EventLog<T> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly source: LogSource<T>,
  ) {}

  /** Rows after `after` (and at or below `upTo`, when given), oldest first. */
  async read(after: LogPosition, limit: number, upTo?: LogPosition): Promise<Array<LogEntry<T>>> {
    const { table, select, joins = '' } = this.source;
    const parameters: unknown[] = [after.txId.toString(), after.id.toString(), limit];
    let bound = '';
    if (upTo) {
      parameters.push(upTo.txId.toString(), upTo.id.toString());
      bound = 'AND (e.tx_id, e.id) <= ($4::xid8, $5::bigint)';
    }
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT e.tx_id::text AS log_tx_id, e.id::text AS log_id, ${select}
         FROM ${table} e ${joins}
        WHERE (e.tx_id, e.id) > ($1::xid8, $2::bigint) ${bound}
          AND e.tx_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY e.tx_id, e.id
        LIMIT $3`,
      parameters,
    );
    return rows.map((row) => ({
      position: { txId: BigInt(row.log_tx_id as string), id: BigInt(row.log_id as string) },
      value: this.source.toValue(row),
    }));
  }

  /** The database's current snapshot: what "now" means for a subscriber without a cursor. */
  async snapshot(): Promise<Snapshot> {
    const [row] = await this.dataSource.query(`SELECT pg_current_snapshot()::text AS snapshot`);
    return parseSnapshot(row.snapshot as string);
  }

  /** The position of the newest row that is final, or the start of the log. */
  async head(): Promise<LogPosition> {
    const rows: Array<{ tx_id: string; id: string }> = await this.dataSource.query(
      `SELECT tx_id::text, id::text FROM ${this.source.table}
        WHERE tx_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY tx_id DESC, id DESC LIMIT 1`,
    );
    return rows.length === 0 ? { txId: 0n, id: 0n } : { txId: BigInt(rows[0].tx_id), id: BigInt(rows[0].id) };
  }
}
