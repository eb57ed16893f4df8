import type { QueryResultRow } from 'pg';
import type { Queryable } from '../database/db';
import { EventLog } from './event-log';
import type { LogReader, LogSource } from './event-log';
import { invalidCursor } from '../core/errors';
import { decodeCursor, encodeCursor } from './log-position';
import { LogTailer, replayThenFollow } from './log-tailer';

/** One event as a subscriber receives it, with the cursor to resume after it. */
export type StreamEvent<T> = { cursor: string; value: T };

const FALLBACK_POLL_MS = 500;

/**
 * A log that subscribers follow: the backlog after their cursor from the
 * table, then live entries from this instance's one tailer, each exactly
 * once. `poke()` is called after a local commit and on a NOTIFY from another
 * instance.
 */
export class LogStream<T> {
  private readonly tailer: LogTailer<T>;

  private constructor(
    private readonly log: LogReader<T>,
    onError: (error: unknown) => void,
  ) {
    this.tailer = new LogTailer(log, FALLBACK_POLL_MS, onError);
  }

  static of<T, Row extends QueryResultRow>(db: Queryable, source: LogSource<Row, T>, onError: (error: unknown) => void): LogStream<T> {
    return new LogStream(new EventLog(db, source), onError);
  }

  /** Entries after the cursor `after` (or from now) that `keep` accepts, in log order. */
  private async *follow(keep: (value: T) => boolean, after: string | null): AsyncGenerator<StreamEvent<T>> {
    const from = after === null ? null : decodeCursor(after);
    for await (const entry of replayThenFollow(this.log, this.tailer, from, keep)) {
      yield { cursor: encodeCursor(entry.cursor), value: entry.value };
    }
  }

  /**
   * Checks the cursor, then follows: a malformed cursor, or one from the
   * future (another database, a restored backup: after it nothing would ever
   * arrive), fails the subscribe call itself.
   */
  async open(keep: (value: T) => boolean, after: string | null): Promise<AsyncGenerator<StreamEvent<T>>> {
    if (after !== null) {
      const cursor = decodeCursor(after);
      const now = await this.log.snapshot();
      // A row's transaction id is below xmax once committed; a snapshot cursor's position is its xmin (at most its xmax).
      const { position, snapshot } = cursor;
      const ahead = position.id > 0n ? position.txId >= now.xmax : position.txId > now.xmax;
      if (ahead || (snapshot !== null && snapshot.xmax > now.xmax)) {
        throw invalidCursor(
          'after',
          'a cursor from the future: this database has not reached it (was it handed out by another database, or before a restore?)',
        );
      }
    }
    return this.follow(keep, after);
  }

  poke(): void {
    this.tailer.poke();
  }

  /** Ends every subscription and waits for the read in flight. */
  async stop(): Promise<void> {
    this.tailer.stop();
    await this.tailer.settled();
  }
}
