import type { QueryResultRow } from 'pg';
import type { Queryable } from '../database/db';
import { EventLog } from './event-log';
import type { LogReader, LogSource } from './event-log';
import { invalidCursor } from '../core/errors';
import { decodeCursor, encodeCursor } from './log-position';
import { LogTailer, replayThenDeliver, replayThenFollow } from './log-tailer';
import type { LogSink } from './log-tailer';
import type { LogCursor } from './log-position';

/** One event as a subscriber receives it, with the cursor to resume after it. */
export type StreamEvent<T> = { cursor: string; value: T };

/**
 * One subscriber's view of a stream: an async iterable (what GraphQL
 * execution expects from a subscription field), which a fan-out that knows
 * it can instead `listen` to, receiving each live event synchronously from
 * the one tailer read that every subscriber shares.
 */
export class LiveFeed<T> implements AsyncIterable<StreamEvent<T>> {
  constructor(
    private readonly follow: () => AsyncGenerator<StreamEvent<T>>,
    private readonly deliver: (sink: LogSink<StreamEvent<T>>) => () => void,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<StreamEvent<T>> {
    return this.follow();
  }

  /** Pushes every event into `sink` (see replayThenDeliver); returns the function that stops it. Use this or iterate, not both. */
  listen(sink: LogSink<StreamEvent<T>>): () => void {
    return this.deliver(sink);
  }
}

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
    /** The log's name (its table), carried by every cursor handed out, so a cursor of another stream is refused. */
    private readonly name: string,
    onError: (error: unknown) => void,
    /** The fingerprint of this database (log-position.ts), carried by every cursor, so another database's is refused; null: none. */
    private readonly database: string | null,
  ) {
    this.tailer = new LogTailer(log, FALLBACK_POLL_MS, onError);
  }

  static of<T, Row extends QueryResultRow>(
    db: Queryable,
    source: LogSource<Row, T>,
    onError: (error: unknown) => void,
    database: string | null = null,
  ): LogStream<T> {
    return new LogStream(new EventLog(db, source), source.table, onError, database);
  }

  /** Cursors once the subscriber is past its snapshot are the same for every subscriber: encoded once per entry. */
  private readonly encodedCursors = new WeakMap<object, string>();

  /** Entries after the cursor `after` (or from now) that `keep` accepts, in log order. */
  private async *follow(keep: (value: T) => boolean, after: string | null): AsyncGenerator<StreamEvent<T>> {
    const from = after === null ? null : decodeCursor(after, 'after', this.name, this.database);
    for await (const entry of replayThenFollow(this.log, this.tailer, from, keep)) {
      yield this.toEvent(entry);
    }
  }

  /** The same entries as `follow`, pushed into `sink`. */
  private deliver(keep: (value: T) => boolean, after: string | null, sink: LogSink<StreamEvent<T>>): () => void {
    const from = after === null ? null : decodeCursor(after, 'after', this.name, this.database);
    return replayThenDeliver(this.log, this.tailer, from, keep, {
      next: (entry) => sink.next(this.toEvent(entry)),
      end: sink.end,
    });
  }

  private toEvent(entry: { cursor: LogCursor; value: T }): StreamEvent<T> {
    const { cursor, value } = entry;
    if (cursor.snapshot !== null || typeof value !== 'object' || value === null)
      return { cursor: encodeCursor(cursor, this.name, this.database), value };
    let encoded = this.encodedCursors.get(value);
    if (encoded === undefined) {
      encoded = encodeCursor(cursor, this.name, this.database);
      this.encodedCursors.set(value, encoded);
    }
    return { cursor: encoded, value };
  }

  /**
   * Checks the cursor, then follows: a malformed cursor, one of another
   * stream, or one from the future (another database, a restored backup:
   * after it nothing would ever arrive), fails the subscribe call itself.
   */
  async open(keep: (value: T) => boolean, after: string | null): Promise<LiveFeed<T>> {
    if (after !== null) {
      const cursor = decodeCursor(after, 'after', this.name, this.database);
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
    return new LiveFeed(
      () => this.follow(keep, after),
      (sink) => this.deliver(keep, after, sink),
    );
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
