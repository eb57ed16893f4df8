import type { LogEntry, LogReader } from './event-log';
import { databaseUnavailableError } from '../core/errors';
import { subscriberBehind } from './log.errors';
import { advance, comparePositions, cursorAtSnapshot, hasSeen, maxPosition } from './log-position';
import type { LogCursor, LogPosition } from './log-position';

/** Called synchronously for each entry of a queue that is listened to, then once at its end (with the failure, if any). */
export type QueueListener<T> = { entry: (entry: LogEntry<T>) => void; end: (failure: Error | null) => void };

/**
 * Live entries delivered to one subscriber, in log order: buffered for an
 * async consumer, or handed synchronously to a listener (no buffer, no
 * promise per entry) once one is attached.
 */
export class LiveQueue<T> implements AsyncIterable<LogEntry<T>> {
  private readonly buffered: Array<LogEntry<T>> = [];
  private waiting: { resolve: (result: IteratorResult<LogEntry<T>>) => void; reject: (error: Error) => void } | null = null;
  private listener: QueueListener<T> | null = null;
  private failure: Error | null = null;
  private closed = false;

  constructor(
    private readonly maxBuffered: number,
    private readonly onClose: () => void,
  ) {}

  push(entry: LogEntry<T>): void {
    if (this.closed) return;
    if (this.listener) {
      this.listener.entry(entry);
      return;
    }
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = null;
      resolve({ value: entry, done: false });
      return;
    }
    if (this.buffered.length >= this.maxBuffered) {
      this.fail(subscriberBehind(`${this.maxBuffered} events`));
      return;
    }
    this.buffered.push(entry);
  }

  fail(error: Error): void {
    this.failure = error;
    this.close();
  }

  /** Hands what is buffered to `listener` at once, then every later entry as it is pushed, and the end. */
  listen(listener: QueueListener<T>): void {
    this.listener = listener;
    for (const entry of this.buffered.splice(0)) listener.entry(entry);
    if (this.closed) listener.end(this.failure);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    this.listener?.end(this.failure);
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
/** How soon to read again (at first) while committed rows are held back behind a transaction in flight. */
const HELD_BACK_RETRY_MS = 5;
/** The most events one subscriber may have waiting for it; past that it is told to resubscribe (SUBSCRIBER_BEHIND). */
export const MAX_BUFFERED = 50_000;

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
  private retry: NodeJS.Timeout | null = null;
  private retryDelay = HELD_BACK_RETRY_MS;
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
    if (this.retry) clearTimeout(this.retry);
    this.timer = null;
    this.retry = null;
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
        if (entries.length > 0) this.retryDelay = HELD_BACK_RETRY_MS;
        for (const entry of entries) {
          this.head = maxPosition(this.head as LogPosition, entry.position);
          for (const queue of this.subscribers) queue.push(entry);
        }
        if (entries.length < PAGE_SIZE) break;
      }
      this.outage = false;
      if (this.subscribers.size > 0 && (await this.log.heldBack(this.head as LogPosition))) this.retrySoon();
    } catch (error) {
      // Live subscribers cannot be served from here on: tell them to resubscribe (from their cursor, losing nothing).
      const told = databaseUnavailableError('resubscribe with the last cursor you received; nothing is lost');
      for (const queue of [...this.subscribers]) queue.fail(told);
      // Logged once per outage, not on every poll.
      if (!this.outage) this.onError(error);
      this.outage = true;
    }
  }

  /**
   * Rows committed but held back behind an older transaction (the
   * projector's, another instance's ingest, anything on the cluster: xids
   * are cluster-wide) become readable when it ends, and nothing pokes then:
   * without this they would wait for the fallback poll, half a second. The
   * delay doubles while nothing new comes through (a long transaction),
   * up to that poll's interval.
   */
  private retrySoon(): void {
    if (this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.poke();
    }, this.retryDelay);
    this.retry.unref();
    this.retryDelay = Math.min(this.retryDelay * 2, Math.max(HELD_BACK_RETRY_MS, this.pollIntervalMs));
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

/** A subscriber's cursor and filter: which entries it has not seen yet and wants, each with the cursor to resume after it. */
class SubscriberCursor<T> {
  constructor(
    private cursor: LogCursor,
    private readonly keep: (value: T) => boolean,
  ) {}

  /** The entry with its cursor when the subscriber gets it; null when it saw it already or filters it out. */
  accept(entry: LogEntry<T>): (LogEntry<T> & { cursor: LogCursor }) | null {
    if (hasSeen(this.cursor, entry.position)) return null;
    this.cursor = advance(this.cursor, entry.position);
    // Spelled out rather than spread: this runs for every subscriber and event.
    return this.keep(entry.value) ? { position: entry.position, value: entry.value, cursor: this.cursor } : null;
  }

  get position(): LogPosition {
    return this.cursor.position;
  }
}

/**
 * The backlog: what the log holds between the subscriber's cursor and `from`,
 * where its live queue starts. `stopped` is asked before every page: a
 * subscriber whose filter matches nothing is never handed an entry, so
 * without it a replay from an old cursor would read the whole log for a
 * client long gone.
 */
async function* replay<T>(log: LogReader<T>, subscriber: SubscriberCursor<T>, from: LogPosition, stopped: () => boolean = () => false) {
  let read = subscriber.position;
  while (comparePositions(read, from) < 0 && !stopped()) {
    const page = await log.read(read, PAGE_SIZE, from);
    for (const entry of page) {
      read = entry.position;
      const accepted = subscriber.accept(entry);
      if (accepted) yield accepted;
    }
    if (page.length < PAGE_SIZE) break;
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
    const subscriber = new SubscriberCursor(after ?? cursorAtSnapshot(await log.snapshot()), keep);
    yield* replay(log, subscriber, from);
    for await (const entry of queue) {
      const accepted = subscriber.accept(entry);
      if (accepted) yield accepted;
    }
  } finally {
    queue.close();
  }
}

/** Receives a followed log synchronously: each entry in order, then the end (with the failure, if any), once. */
export type LogSink<E> = { next: (event: E) => void; end: (failure: Error | null) => void };

/**
 * What `replayThenFollow` yields, pushed into `sink` instead: the backlog as
 * it is read, then each live entry synchronously from the tailer's read, with
 * no promise or buffer per subscriber. Returns the function that stops it.
 */
export function replayThenDeliver<T>(
  log: LogReader<T>,
  tailer: LogTailer<T>,
  after: LogCursor | null,
  keep: (value: T) => boolean,
  sink: LogSink<LogEntry<T> & { cursor: LogCursor }>,
): () => void {
  let queue: LiveQueue<T> | null = null;
  let stopped = false;
  const run = async () => {
    const subscribed = await tailer.subscribe();
    queue = subscribed.queue;
    if (stopped) return queue.close();
    const subscriber = new SubscriberCursor(after ?? cursorAtSnapshot(await log.snapshot()), keep);
    for await (const entry of replay(log, subscriber, subscribed.from, () => stopped)) {
      if (stopped) return;
      sink.next(entry);
    }
    if (stopped) return;
    queue.listen({
      entry: (entry) => {
        const accepted = subscriber.accept(entry);
        if (accepted) sink.next(accepted);
      },
      end: (failure) => sink.end(failure),
    });
  };
  run().catch((error: unknown) => {
    (queue as LiveQueue<T> | null)?.close();
    sink.end(error instanceof Error ? error : new Error(String(error)));
  });
  return () => {
    stopped = true;
    (queue as LiveQueue<T> | null)?.close();
  };
}
