import type { ExpensiveWorkLimits } from '../config';
import type { BusyScope } from './limits.errors';
import { keyRateLimited, tooManyExpensiveOperations } from './limits.errors';

/** Waiters allowed per slot of the instance; beyond that a request is refused at once rather than queued. */
const WAITERS_PER_SLOT = 4;

type Waiter = { keyId: string; grant: (release: () => void) => void; timer: NodeJS.Timeout };

/** A key's refusal tokens: how many it has left, as of when (ms, the gate's clock). */
type Tokens = { left: number; at: number };

/**
 * The gate every expensive operation (a field with a price: previews,
 * segment definitions, metrics, metrics.csv) passes on one instance: at
 * most `perKey` of one API key and `perInstance` in all run at once, so one
 * key cannot take every pooled connection and ingest, ordinary reads and
 * the health probes keep theirs. The rest wait, in arrival order, up to
 * `waitMs`; then (or at once when `WAITERS_PER_SLOT × perInstance` are
 * already waiting) they are refused with TOO_MANY_EXPENSIVE_OPERATIONS and
 * a retry hint in seconds.
 *
 * Two more bounds keep the instance's cores for everyone else:
 * - a time budget (`busyShare`): the running time of expensive operations,
 *   summed over the slots, may average at most `busyShare` seconds per
 *   second, in bursts of up to `burstSeconds`. An operation's time is
 *   charged when it ends; while the budget is spent, no slot is granted
 *   (waiters wait for it to refill). On 2 cores the hostile bench measured
 *   1 slot busy all the time as too much: ingest and reads share one core
 *   with the refusals and the projections.
 * - refusals per key (`refusalsPerMinute`, burst `refusalBurst`): a key
 *   refused more often than that, because it ignores `Retry-After`, is
 *   refused every request at the door (RATE_LIMITED, before its body is
 *   read or parsed) until a token refills. Parsing, validating and pricing
 *   a refused operation costs about a millisecond of the one event loop;
 *   at ~180 refusals a second that was a fifth of a core.
 *
 * Invariant: a slot is freed exactly once, whatever way the work ends, and
 * a freed slot goes to the first waiter that fits (a waiter whose key is at
 * its limit does not hold up the others).
 */
export class ExpensiveWork {
  private running = 0;
  private readonly byKey = new Map<string, number>();
  private readonly waiting: Waiter[] = [];
  /** Milliseconds of expensive work the instance may still start now; refills at busyShare ms per ms, up to the burst. */
  private credit: number;
  private creditAt: number;
  /** When the budget is spent and operations wait: the timer that grants them once it has refilled. */
  private refill: NodeJS.Timeout | null = null;
  private readonly tokens = new Map<string, Tokens>();

  constructor(
    private readonly limits: ExpensiveWorkLimits,
    /** The clock, in milliseconds (tests drive their own). */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.credit = this.burstMs;
    this.creditAt = this.now();
  }

  /** Seconds a refused client should wait before retrying. */
  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.limits.waitMs / 1000), Math.ceil(this.refillMs() / 1000));
  }

  /**
   * Counts a refusal of `keyId`'s (an operation over the cost limit, or one
   * refused a slot). Refusals above the key's rate make it rate-limited.
   */
  refused(keyId: string): void {
    const { refusalsPerMinute } = this.limits;
    if (!refusalsPerMinute) return;
    const tokens = this.tokensOf(keyId);
    tokens.left = Math.max(-1, tokens.left - 1);
    // Keys at full tokens need no entry: the map holds only keys refused lately.
    if (this.tokens.size > MAX_TRACKED_KEYS) this.forgetFullKeys();
  }

  /** Null while `keyId` may send requests; else the refusal to answer at the door, with the seconds until it may. */
  rateLimited(keyId: string) {
    const { refusalsPerMinute } = this.limits;
    if (!refusalsPerMinute || !this.tokens.has(keyId)) return null;
    const tokens = this.tokensOf(keyId);
    if (tokens.left >= 0) return null;
    const retryAfter = Math.max(1, Math.ceil((-tokens.left * 60) / refusalsPerMinute));
    return keyRateLimited(refusalsPerMinute, retryAfter);
  }

  /** Runs `work` in a slot of `keyId`'s; rejects with a coded error when none frees up in time. */
  async run<T>(keyId: string, work: () => Promise<T>): Promise<T> {
    const release = await this.acquire(keyId);
    try {
      return await work();
    } finally {
      release();
    }
  }

  /** A slot for `keyId`: resolves with the function that frees it (later calls do nothing), or rejects with a coded error. */
  acquire(keyId: string): Promise<() => void> {
    if (this.fits(keyId)) return Promise.resolve(this.take(keyId));
    // Waiting longer than the wait allowed for a budget that refills later is no use: refused at once.
    const hopeless = this.refillMs() > this.limits.waitMs;
    if (this.limits.waitMs <= 0 || hopeless || this.waiting.length >= WAITERS_PER_SLOT * this.limits.perInstance) {
      return Promise.reject(this.busy(keyId));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        keyId,
        grant: resolve,
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(this.busy(keyId));
        }, this.limits.waitMs),
      };
      this.waiting.push(waiter);
      this.scheduleRefill();
    });
  }

  /** Operations running and waiting now (for tests and diagnostics). */
  load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  private fits(keyId: string): boolean {
    return this.running < this.limits.perInstance && (this.byKey.get(keyId) ?? 0) < this.limits.perKey && this.creditShortMs() === 0;
  }

  private take(keyId: string): () => void {
    this.running += 1;
    this.byKey.set(keyId, (this.byKey.get(keyId) ?? 0) + 1);
    const started = this.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.charge(this.now() - started);
      this.running -= 1;
      const left = (this.byKey.get(keyId) ?? 1) - 1;
      if (left === 0) this.byKey.delete(keyId);
      else this.byKey.set(keyId, left);
      this.grantWaiting();
      this.scheduleRefill();
    };
  }

  private grantWaiting(): void {
    for (let index = 0; index < this.waiting.length && this.running < this.limits.perInstance;) {
      const waiter = this.waiting[index];
      if (!this.fits(waiter.keyId)) {
        index += 1;
        continue;
      }
      this.waiting.splice(index, 1);
      clearTimeout(waiter.timer);
      waiter.grant(this.take(waiter.keyId));
    }
  }

  private busy(keyId: string) {
    this.refused(keyId);
    const scope: BusyScope =
      (this.byKey.get(keyId) ?? 0) >= this.limits.perKey ? 'key' : this.running >= this.limits.perInstance ? 'instance' : 'budget';
    const limit = scope === 'key' ? this.limits.perKey : scope === 'instance' ? this.limits.perInstance : (this.limits.busyShare ?? 0);
    return tooManyExpensiveOperations(scope, limit, this.retryAfterSeconds);
  }

  private get burstMs(): number {
    return (this.limits.burstSeconds ?? 0) * 1000;
  }

  /** Milliseconds of budget missing before a slot may be granted (0: none missing, or no budget). */
  private creditShortMs(): number {
    const { busyShare } = this.limits;
    if (!busyShare) return 0;
    const now = this.now();
    this.credit = Math.min(this.burstMs, this.credit + (now - this.creditAt) * busyShare);
    this.creditAt = now;
    return this.credit >= 0 ? 0 : -this.credit;
  }

  /** Milliseconds until the budget has refilled enough to grant a slot (0: now). */
  private refillMs(): number {
    const short = this.creditShortMs();
    return short === 0 ? 0 : Math.ceil(short / (this.limits.busyShare ?? 1));
  }

  private charge(ms: number): void {
    if (!this.limits.busyShare) return;
    this.creditShortMs();
    this.credit -= ms;
  }

  /** While operations wait on a spent budget: grants them when it has refilled. */
  private scheduleRefill(): void {
    const wait = this.refillMs();
    if (this.refill !== null || wait === 0 || this.waiting.length === 0) return;
    this.refill = setTimeout(() => {
      this.refill = null;
      this.grantWaiting();
      this.scheduleRefill();
    }, wait);
    this.refill.unref();
  }

  private tokensOf(keyId: string): Tokens {
    const perMinute = this.limits.refusalsPerMinute ?? 0;
    const burst = this.limits.refusalBurst ?? perMinute;
    const now = this.now();
    const tokens = this.tokens.get(keyId) ?? { left: burst, at: now };
    tokens.left = Math.min(burst, tokens.left + ((now - tokens.at) * perMinute) / 60_000);
    tokens.at = now;
    this.tokens.set(keyId, tokens);
    return tokens;
  }

  private forgetFullKeys(): void {
    const burst = this.limits.refusalBurst ?? this.limits.refusalsPerMinute ?? 0;
    for (const keyId of [...this.tokens.keys()]) if (this.tokensOf(keyId).left >= burst) this.tokens.delete(keyId);
  }
}

/** Keys with refusals remembered before the ones back at full tokens are forgotten. */
const MAX_TRACKED_KEYS = 10_000;
