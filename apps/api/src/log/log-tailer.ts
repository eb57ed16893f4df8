import type { LogEntry, LogReader } from './event-log';
import { databaseUnavailableError } from '../core/errors';
import { subscriberBehind } from './log.errors';
import { advance, comparePositions, cursorAtSnapshot, hasSeen, maxPosition } from './log-position';
import type { LogCursor, LogPosition } from './log-position';

/** Live entries delivered to one subscriber, in log order. */
export class LiveQueue<T> implements AsyncIterable<LogEntry<T>> {
  private readonly buffered: Array<LogEntry<T>> = [];
  private waiting: { resolve: (result: IteratorResult<LogEntry<T>>) => void; reject: (error: Error) => void } | null = null;
  private failure: Error | null = null;
  private closed = false;

  constructor(
    private readonly maxBuffered: number,
    private readonly onClose: () => void,
  ) {}

  push(entry: LogEntry<T>): void {
    if (this.closed) return;
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = null;
      resolve({ value: entry, done: false });
      return;
    }
    if (this.buffered.length >= this.maxBuffered) {
      this.fail(subscriberBehind(this.maxBuffered));
      return;
    }
    this.buffered.push(entry);
  }

  fail(error: Error): void {
    this.failure = error;
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    // A consumer waiting for the next entry hears the failure (it must not look like a normal end).
    if (this.waiting) {
      const { resolve, reject } = this.waiting;
      this.waiting = null;
      if (this.failure) reject(this.failure);
      else resolve({ value: undefined, done: true });
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<LogEntry<T>> {
    return {
      next: () => {
        const entry = this.buffered.shift();
        if (entry) return Promise.resolve({ value: entry, done: false });
        if (this.failure) return Promise.reject(this.failure);
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
      },
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

const PAGE_SIZE = 1000;
const MAX_BUFFERED = 50_000;

/**
 * Follows one log for this process and fans its new entries out to live
 * subscribers. It reads when poked (a local commit or a NOTIFY from another
 * instance) and on a short interval while anyone listens, which also picks
 * up rows held back behind a transaction that was still in flight.
 */
export class LogTailer<T> {
  private readonly subscribers = new Set<LiveQueue<T>>();
  private head: LogPosition | null = null;
  private starting: Promise<void> | null = null;
  private polling: Promise<void> | null = null;
  private pollAgain = false;
  private timer: NodeJS.Timeout | null = null;
  private outage = false;

  constructor(
    private readonly log: LogReader<T>,
    private readonly pollIntervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /**
   * Registers a live subscriber. Returns its queue and the position the
   * tailer had reached at that instant: the queue receives exactly the
   * entries after it.
   */
  async subscribe(): Promise<{ queue: LiveQueue<T>; from: LogPosition }> {
    await this.start();
    const queue = new LiveQueue<T>(MAX_BUFFERED, () => this.unsubscribe(queue));
    this.subscribers.add(queue);
    this.ensureTimer();
    return { queue, from: this.head as LogPosition };
  }

  /** Asks for a read soon; calls that arrive during a read are coalesced into one more. */
  poke(): void {
    if (this.head === null) return;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    this.polling = this.pollUntilCaughtUp().finally(() => {
      this.polling = null;
      if (this.pollAgain) {
        this.pollAgain = false;
        this.poke();
      }
    });
  }

  /** Resolves when the read in progress (if any) has finished. */
  async settled(): Promise<void> {
    while (this.polling) await this.polling;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const queue of [...this.subscribers]) queue.close();
  }

  private start(): Promise<void> {
    this.starting ??= this.log.head().then(
      (head) => {
        this.head = head;
      },
      (error: unknown) => {
        this.starting = null;
        throw error;
      },
    );
    return this.starting;
  }

  private async pollUntilCaughtUp(): Promise<void> {
    try {
      for (;;) {
        const entries = await this.log.read(this.head as LogPosition, PAGE_SIZE);
        for (const entry of entries) {
          this.head = maxPosition(this.head as LogPosition, entry.position);
          for (const queue of this.subscribers) queue.push(entry);
        }
        if (entries.length < PAGE_SIZE) return;
      }
      this.outage = false;
    } catch (error) {
      // Live subscribers cannot be served from here on: tell them to resubscribe (from their cursor, losing nothing).
      const told = databaseUnavailableError('resubscribe with the last cursor you received; nothing is lost');
      for (const queue of [...this.subscribers]) queue.fail(told);
      // Logged once per outage, not on every poll.
      if (!this.outage) this.onError(error);
      this.outage = true;
    }
  }

  private ensureTimer(): void {
    if (this.timer || this.pollIntervalMs <= 0) return;
    this.timer = setInterval(() => this.poke(), this.pollIntervalMs);
    this.timer.unref();
  }

  private unsubscribe(queue: LiveQueue<T>): void {
    this.subscribers.delete(queue);
    if (this.subscribers.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}

/**
 * Everything the holder of `after` has not seen that matches `keep`: first
 * the backlog from the log, then live entries, each exactly once and in log
 * order. Without `after`, everything committed from now on. Each entry comes
 * with the cursor to resume after it.
 */
export async function* replayThenFollow<T>(
  log: LogReader<T>,
  tailer: LogTailer<T>,
  after: LogCursor | null,
  keep: (value: T) => boolean,
): AsyncGenerator<LogEntry<T> & { cursor: LogCursor }> {
  const { queue, from } = await tailer.subscribe();
  try {
    let cursor = after ?? cursorAtSnapshot(await log.snapshot());
    // The backlog: what the log holds between the cursor and where the live queue starts.
    let read = cursor.position;
    while (comparePositions(read, from) < 0) {
      const page = await log.read(read, PAGE_SIZE, from);
      for (const entry of page) {
        read = entry.position;
        if (hasSeen(cursor, entry.position)) continue;
        cursor = advance(cursor, entry.position);
        if (keep(entry.value)) yield { ...entry, cursor };
      }
      if (page.length < PAGE_SIZE) break;
    }
    for await (const entry of queue) {
      if (hasSeen(cursor, entry.position)) continue;
      cursor = advance(cursor, entry.position);
      if (keep(entry.value)) yield { ...entry, cursor };
    }
  } finally {
    queue.close();
  }
}
