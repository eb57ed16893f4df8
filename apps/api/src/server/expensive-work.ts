import type { ExpensiveWorkLimits } from '../config';
import type { BusyScope } from './limits.errors';
import { tooManyExpensiveOperations } from './limits.errors';

/** Waiters allowed per slot of the instance; beyond that a request is refused at once rather than queued. */
const WAITERS_PER_SLOT = 4;

type Waiter = { keyId: string; grant: (release: () => void) => void; timer: NodeJS.Timeout };

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
 * Invariant: a slot is freed exactly once, whatever way the work ends, and
 * a freed slot goes to the first waiter that fits (a waiter whose key is at
 * its limit does not hold up the others).
 */
export class ExpensiveWork {
  private running = 0;
  private readonly byKey = new Map<string, number>();
  private readonly waiting: Waiter[] = [];

  constructor(private readonly limits: ExpensiveWorkLimits) {}

  /** Seconds a refused client should wait before retrying. */
  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.limits.waitMs / 1000));
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
    if (this.limits.waitMs <= 0 || this.waiting.length >= WAITERS_PER_SLOT * this.limits.perInstance) {
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
    });
  }

  /** Operations running and waiting now (for tests and diagnostics). */
  load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  private fits(keyId: string): boolean {
    return this.running < this.limits.perInstance && (this.byKey.get(keyId) ?? 0) < this.limits.perKey;
  }

  private take(keyId: string): () => void {
    this.running += 1;
    this.byKey.set(keyId, (this.byKey.get(keyId) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running -= 1;
      const left = (this.byKey.get(keyId) ?? 1) - 1;
      if (left === 0) this.byKey.delete(keyId);
      else this.byKey.set(keyId, left);
      this.grantWaiting();
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
    const scope: BusyScope = (this.byKey.get(keyId) ?? 0) >= this.limits.perKey ? 'key' : 'instance';
    return tooManyExpensiveOperations(scope, scope === 'key' ? this.limits.perKey : this.limits.perInstance, this.retryAfterSeconds);
  }
}
