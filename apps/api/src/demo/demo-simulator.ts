import type { JsonValue } from '@clm/schema';
import type { IngestService } from '../modules/touchpoints';
import type { DemoLog } from './demo-loader';
import { demoExternalId } from './demo-plan';
import { Prng } from './prng';

export type SimulatorOptions = {
  /** The demo's customers are demo-00001 … demo-<customers>. */
  customers: number;
  intervalMs?: number;
  /** Seeds the choices (a test can make them repeatable); the start time by default. */
  seed?: number;
};

type Submission = {
  messageId: string;
  customer: { externalId: string; name?: string; attributes?: Record<string, JsonValue> };
  type: string;
  channel: string;
  occurredAt: string;
  value: number | null;
  currency: string | null;
  campaign: string | null;
  properties: Record<string, JsonValue>;
};

const RECENT_VISITORS = 50;

/**
 * Keeps the demo business moving: every tick (a second by default) a few
 * touchpoints of "now" go through the public ingest service, so customers
 * move on the Live board while someone watches. Each tick brings a new
 * visitor most of the time (a customer entering awareness), often a recent
 * visitor signing up, and a few actions by the demo's customers: logins,
 * purchases (second purchases, win-backs), surveys, referrals.
 */
export class DemoSimulator {
  private readonly rng: Prng;
  private readonly run: string;
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | null = null;
  private tick: Promise<void> = Promise.resolve();
  private sequence = 0;
  private visitors = 0;
  private readonly recent: string[] = [];
  /** Touchpoints sent and accepted since start. */
  sent = 0;

  constructor(
    private readonly ingest: IngestService,
    private readonly log: DemoLog,
    private readonly options: SimulatorOptions,
  ) {
    const start = Date.now();
    this.rng = new Prng(options.seed ?? start);
    // Message ids unique to this run: a restarted simulator never collides with an earlier one.
    this.run = start.toString(36);
    this.intervalMs = options.intervalMs ?? 1000;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      // A slow tick is not overlapped: the next one waits its turn.
      this.tick = this.tick.then(() => this.send());
    }, this.intervalMs);
    this.timer.unref();
    this.log.info({ everyMs: this.intervalMs }, 'demo: the simulator is sending touchpoints');
  }

  /** Stops the ticks and waits for the one in flight. */
  async stop(): Promise<void> {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
    await this.tick;
    this.log.info({ sent: this.sent }, 'demo: the simulator stopped');
  }

  /** One tick's touchpoints (exposed for tests). */
  async send(): Promise<void> {
    const batch = this.plan(new Date());
    try {
      const results = await this.ingest.record(batch, (index) => `demo.live[${index}]`);
      this.sent += results.filter((result) => result.error === null).length;
      const refused = results.find((result) => result.error !== null);
      if (refused) this.log.warn({ error: refused.error }, 'demo: the simulator sent a touchpoint that was refused');
    } catch (error) {
      this.log.warn({ err: error }, 'demo: the simulator could not send its touchpoints');
    }
  }

  private plan(now: Date): Submission[] {
    const rng = this.rng;
    const batch: Submission[] = [];
    const at = () => new Date(now.getTime() + batch.length).toISOString();
    const add = (
      externalId: string,
      type: string,
      channel: string,
      properties: Record<string, JsonValue> = {},
      value: number | null = null,
    ) =>
      batch.push({
        messageId: `demo-live-${this.run}-${++this.sequence}`,
        customer: { externalId },
        type,
        channel,
        occurredAt: at(),
        value,
        currency: value === null ? null : 'USD',
        campaign: channel === 'paid_search' ? 'brand-search' : null,
        properties,
      });

    if (rng.chance(0.7)) {
      const visitor = `demo-live-${this.run}-v${++this.visitors}`;
      this.recent.push(visitor);
      if (this.recent.length > RECENT_VISITORS) this.recent.shift();
      add(
        visitor,
        'page_view',
        rng.weighted([
          ['web', 5],
          ['paid_search', 3],
          ['social', 2],
        ] as const),
        { page: rng.pick(['home', 'pricing', 'features']) },
      );
    }
    if (this.recent.length > 0 && rng.chance(0.35)) {
      add(this.recent.splice(rng.int(0, this.recent.length - 1), 1)[0], rng.chance(0.7) ? 'signup' : 'purchase', 'web', {}, null);
    }
    const actions = rng.int(1, 3);
    for (let i = 0; i < actions; i++) {
      const customer = demoExternalId(rng.int(1, this.options.customers));
      const kind = rng.weighted([
        ['login', 35],
        ['purchase', 18],
        ['feature_used', 10],
        ['page_view', 10],
        ['email_click', 8],
        ['survey_response', 8],
        ['feedback', 5],
        ['referral', 4],
        ['review', 2],
      ] as const);
      if (kind === 'purchase') add(customer, kind, 'web', {}, rng.pick([29, 49, 99, 149]));
      else if (kind === 'survey_response') add(customer, kind, 'email', { survey: 'nps', score: rng.int(0, 10) });
      else if (kind === 'feedback') add(customer, kind, 'web', { survey: 'csat', score: rng.int(1, 5) });
      else if (kind === 'review') add(customer, kind, 'web', { rating: rng.int(1, 5) });
      else if (kind === 'referral') add(customer, kind, 'referral', { program: 'refer-a-friend' });
      else if (kind === 'email_click') add(customer, kind, 'email', { email: 'weekly-newsletter' });
      else add(customer, kind, 'web', kind === 'page_view' ? { page: 'pricing' } : {});
    }
    return batch;
  }
}
