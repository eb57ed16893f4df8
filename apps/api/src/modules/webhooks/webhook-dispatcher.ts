import type { Db } from '../../database/db';
import { claimDue, nextWake, recordAttempt, recordDelivered, releaseExpiredLeases } from './webhook-delivery.sql';
import type { AttemptRecord, ClaimedDelivery } from './webhook-delivery.sql';
import { disableEndpoint, noteFailure } from './webhook-endpoint.sql';
import { failedTooLong, nextAttemptDelayMs } from './retry-schedule';
import type { SendResult, WebhookSender } from './webhook-sender';

export type DispatcherOptions = {
  /** Attempts one instance runs at once to one endpoint (a slow endpoint holds only these). */
  perEndpoint?: number;
  /** Attempts one instance runs at once in all. */
  maxInFlight?: number;
  /** How long a claimed delivery is this instance's: the sender's time limit plus a margin. */
  leaseMs?: number;
  /** The least wait between two looks while deliveries are pending (some may be held behind a customer's earlier one). */
  pollMs?: number;
  /**
   * How often to look when nothing is pending or sending here: for work
   * another instance queued and then died holding. 0 or absent: only when
   * poked (tests, which count statements).
   */
  idlePollMs?: number;
  /** In [0, 1): the retry delays' jitter. */
  random?: () => number;
  onError: (error: unknown) => void;
};

/**
 * Sends due deliveries. Claiming is one short transaction (a lease, no lock
 * kept); the HTTP call runs with no transaction open; its outcome is recorded
 * in another transaction, retried while the database is away until the lease
 * runs out (then another claim sends it again, with the same webhook-id: at
 * least once). Each endpoint has its own slots, so a slow one only waits for
 * itself, and a customer's deliveries to one endpoint go one at a time, in
 * order (claimDue).
 */
export class WebhookDispatcher {
  private readonly busy = new Map<string, number>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly perEndpoint: number;
  private readonly maxInFlight: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly idlePollMs: number;
  private readonly random: () => number;
  private running = false;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private lastLeaseSweep = 0;
  private lastError: string | null = null;

  constructor(
    private readonly db: Db,
    private readonly sender: WebhookSender,
    private readonly options: DispatcherOptions,
  ) {
    this.perEndpoint = options.perEndpoint ?? 8;
    this.maxInFlight = options.maxInFlight ?? 64;
    this.leaseMs = options.leaseMs ?? 20_000;
    this.pollMs = options.pollMs ?? 1_000;
    this.idlePollMs = options.idlePollMs ?? 0;
    this.random = options.random ?? Math.random;
  }

  /** Looks at once (what a previous run left: pending retries, leases of attempts a crash interrupted), then when due. */
  start(): void {
    this.poke();
  }

  /** Deliveries may be due: claim and send (a poke during a round runs one more). */
  poke(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void withDeadline(this.round(), this.leaseMs, 'a round of claims')
      .catch((error: unknown) => {
        this.report(error);
        // The database away: look again shortly.
        this.wakeAt(new Date());
      })
      .finally(() => {
        this.running = false;
        if (this.again && !this.stopped) {
          this.again = false;
          this.poke();
        }
      });
  }

  /** Stops claiming and waits for the attempts under way (each ends within the sender's time limit). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Attempts under way in this instance. */
  sending(): number {
    return this.inFlight.size;
  }

  /** Sends one claimed delivery now and records it (test sends); the record. */
  async deliverNow(claimed: ClaimedDelivery): Promise<AttemptRecord> {
    return this.attempt(claimed);
  }

  private async round(): Promise<void> {
    this.again = false;
    if (Date.now() - this.lastLeaseSweep >= this.pollMs) {
      this.lastLeaseSweep = Date.now();
      await releaseExpiredLeases(this.db);
    }
    const free = this.maxInFlight - this.inFlight.size;
    if (free <= 0) return;
    const claimed = await claimDue(this.db, this.perEndpoint, this.busy, free, this.leaseMs);
    this.lastError = null;
    for (const delivery of claimed) this.track(delivery);
    // Attempts under way poke when they end; otherwise wake for the next retry or lease end, or idle.
    if (this.inFlight.size === 0) this.wakeAt(await nextWake(this.db));
  }

  private wakeAt(wake: Date | null): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const delay = wake === null ? this.idlePollMs : Math.max(this.pollMs, wake.getTime() - Date.now());
    if (delay <= 0 || this.stopped) return;
    this.timer = setTimeout(() => this.poke(), this.idlePollMs > 0 ? Math.min(delay, this.idlePollMs) : delay);
    this.timer.unref();
  }

  private track(delivery: ClaimedDelivery): void {
    this.busy.set(delivery.endpoint_id, (this.busy.get(delivery.endpoint_id) ?? 0) + 1);
    const work = this.attempt(delivery)
      .then(() => undefined)
      .catch((error: unknown) => this.report(error))
      .finally(() => {
        const left = (this.busy.get(delivery.endpoint_id) ?? 1) - 1;
        if (left === 0) this.busy.delete(delivery.endpoint_id);
        else this.busy.set(delivery.endpoint_id, left);
        this.inFlight.delete(work);
        // A slot is free, and the customer's next delivery to this endpoint may now go.
        this.poke();
      });
    this.inFlight.add(work);
  }

  private async attempt(delivery: ClaimedDelivery): Promise<AttemptRecord> {
    const startedAt = new Date();
    const leaseEnds = Date.now() + this.leaseMs;
    const result = await this.sender.send({
      url: delivery.url,
      webhookId: delivery.webhook_id,
      body: delivery.body,
      secrets: delivery.secrets,
    });
    const record = this.outcome(delivery, startedAt, result);
    // The database may be away (restarting): keep trying to record until the lease would let another claim resend it.
    for (;;) {
      try {
        await withDeadline(this.record(delivery, record, result), Math.max(1, leaseEnds - Date.now()), 'recording an attempt');
        return record;
      } catch (error) {
        if (Date.now() >= leaseEnds || this.stopped) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }

  private outcome(delivery: ClaimedDelivery, startedAt: Date, result: SendResult): AttemptRecord {
    const base = {
      deliveryId: delivery.id,
      attempt: delivery.attempts,
      startedAt,
      durationMs: result.durationMs,
      status: result.status,
      error: result.error,
      nextAttemptAt: null,
    };
    if (result.status !== null && result.status >= 200 && result.status < 300) return { ...base, outcome: 'delivered' };
    if (result.status === 410) return { ...base, outcome: 'disabled' };
    const delay = delivery.retries ? nextAttemptDelayMs(delivery.attempts, result.retryAfterMs, this.random) : null;
    if (delay === null) return { ...base, outcome: 'failed' };
    return { ...base, outcome: 'retry', nextAttemptAt: new Date(Date.now() + delay) };
  }

  private async record(delivery: ClaimedDelivery, record: AttemptRecord, result: SendResult): Promise<void> {
    if (record.outcome === 'delivered') return recordDelivered(this.db, record, delivery.endpoint_id);
    await this.db.transaction(async (uow) => {
      const current = await recordAttempt(uow, record);
      if (!current) return;
      if (record.outcome === 'disabled')
        await disableEndpoint(
          uow,
          delivery.endpoint_id,
          `answered 410 Gone on ${record.startedAt.toISOString()} (delivery ${delivery.id})`,
        );
      else if (delivery.retries) {
        const since = await noteFailure(uow, delivery.endpoint_id);
        if (since !== null && failedTooLong(since, new Date()))
          await disableEndpoint(
            uow,
            delivery.endpoint_id,
            `every attempt failed for five days, since ${since.toISOString()} (last: ${result.error ?? `status ${result.status}`})`,
          );
      }
    });
  }

  private report(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (message === this.lastError) return;
    this.lastError = message;
    this.options.onError(error);
  }
}

/**
 * `work`, or a rejection once `ms` have passed: a statement waiting for a
 * connection while the database restarts has no time limit of its own, and a
 * slot or a round must not wait for it longer than a lease.
 */
function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms (the database away?)`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
