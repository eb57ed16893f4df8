import type { JsonValue } from '@clm/schema';
import type { IngestService } from '../modules/touchpoints';
import { COUNTRIES, DAY_MS, FEATURES, FIRST_NAMES, LAST_NAMES, NETWORKS, PAGES } from './demo-business';
import type { DemoLog } from './demo-loader';
import { ACTIVITY_TYPES, BROWSING_TYPES, CONVERSION_TYPES } from './demo-rates';
import type { ActivityType, BrowsingType, ConversionType, DemoRates } from './demo-rates';
import { csatScore, demoVisitorOf, drawSatisfaction, npsScore, PRICES, PRO_SHARE, reviewRating } from './demo-story';
import { Prng } from './prng';

export type SimulatorOptions = {
  /** The rates to keep: the seeded history's (measureDemoRates). */
  rates: DemoRates;
  intervalMs?: number;
  /** Seeds the choices (a test can make them repeatable); the start time by default. */
  seed?: number;
  /** The clock's first reading, in ms: now by default (a test drives the clock through `planTick`). */
  startedAt?: number;
  /** How many times faster than real time the business runs while it uses its head start (720: a day in 2 minutes). */
  speed?: number;
  /** How far ahead of real time the business may run, in ms: a day by default. */
  headStartMs?: number;
};

/** A touchpoint as the simulator submits it to the ingest service. */
export type SimulatedTouchpoint = {
  messageId: string;
  customer: { externalId?: string; anonymousId?: string; name?: string; email?: string; attributes?: Record<string, JsonValue> };
  type: string;
  channel: string;
  occurredAt: string;
  value: number | null;
  currency: string | null;
  campaign: string | null;
  properties: Record<string, JsonValue>;
};

const RECENT_VISITORS = 50;
export const DEFAULT_SPEED = 720;
export const DEFAULT_HEAD_START_MS = DAY_MS;

type Visitor = { anonymousId: string; number: number };
/** A touchpoint before the simulator stamps it (id, time, currency, campaign). */
type Draft = Omit<SimulatedTouchpoint, 'messageId' | 'occurredAt' | 'currency' | 'campaign'>;
type Add = (draft: Draft, campaign?: string | null) => void;

/**
 * Keeps the demo business moving at the pace of its seeded history. Every
 * tick draws, for the business time that passed, a Poisson number of new
 * (anonymous) visitors, sign-ups and each activity at the history's rates of
 * its last four weeks (`DemoRates`), and sends them through the public ingest
 * service with the time of "now".
 *
 * So that someone who just started clm sees the Live board move, business
 * time first runs `speed` times faster than real time until it is
 * `headStartMs` ahead, then at real time: whatever the uptime, a day gets at
 * most its usual activity plus the head start (a day's), and the current
 * period's KPIs stay in the history's range.
 *
 * A visitor is anonymous (an anonymousId, no name) until they sign up; the
 * sign-up names them and gives them an externalId and an email.
 */
export class DemoSimulator {
  private readonly rng: Prng;
  private readonly run: string;
  private readonly intervalMs: number;
  private readonly speed: number;
  private readonly headStartMs: number;
  private timer: NodeJS.Timeout | null = null;
  private tick: Promise<void> = Promise.resolve();
  private sequence = 0;
  private visitorCount = 0;
  private clock: number;
  /** How far business time is ahead of real time, in ms. */
  private ahead = 0;
  private readonly visitors: Visitor[] = [];
  private readonly prospects: string[];
  private readonly members: string[];
  /** Touchpoints sent and accepted since start. */
  sent = 0;

  constructor(
    private readonly ingest: IngestService,
    private readonly log: DemoLog,
    private readonly options: SimulatorOptions,
  ) {
    const start = options.startedAt ?? Date.now();
    this.rng = new Prng(options.seed ?? start);
    // Ids unique to this run: a restarted simulator never collides with an earlier one.
    this.run = start.toString(36);
    this.intervalMs = options.intervalMs ?? 1000;
    this.speed = options.speed ?? DEFAULT_SPEED;
    this.headStartMs = options.headStartMs ?? DEFAULT_HEAD_START_MS;
    this.clock = start;
    this.prospects = [...options.rates.prospects];
    this.members = [...options.rates.active];
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      // A slow tick is not overlapped: the next one waits its turn.
      this.tick = this.tick.then(() => this.send());
    }, this.intervalMs);
    this.timer.unref();
    this.log.info(
      { everyMs: this.intervalMs, speed: this.speed, headStartHours: this.headStartMs / 3_600_000 },
      'demo: the simulator is sending touchpoints',
    );
  }

  /** Stops the ticks and waits for the one in flight. */
  async stop(): Promise<void> {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
    await this.tick;
    this.log.info({ sent: this.sent }, 'demo: the simulator stopped');
  }

  /** One tick's touchpoints, sent through ingest. */
  async send(): Promise<void> {
    const batch = this.planTick(new Date());
    if (batch.length === 0) return;
    try {
      const results = await this.ingest.record(batch, (index) => `demo.live[${index}]`);
      this.sent += results.filter((result) => result.error === null).length;
      const refused = results.find((result) => result.error !== null);
      if (refused) this.log.warn({ error: refused.error }, 'demo: the simulator sent a touchpoint that was refused');
    } catch (error) {
      this.log.warn({ err: error }, 'demo: the simulator could not send its touchpoints');
    }
  }

  /**
   * The touchpoints of the business time that passed since the previous
   * reading of the clock (`now`, which a test drives), stamped `now`.
   */
  planTick(now: Date): SimulatedTouchpoint[] {
    const wall = now.getTime() - this.clock;
    if (wall <= 0) return [];
    this.clock = now.getTime();
    const business = Math.min(wall * this.speed, wall + Math.max(0, this.headStartMs - this.ahead));
    this.ahead += business - wall;
    const days = business / DAY_MS;
    const rates = this.options.rates;
    const batch: SimulatedTouchpoint[] = [];
    const add: Add = (draft, campaign = null) =>
      batch.push({
        ...draft,
        messageId: `demo-live-${this.run}-${++this.sequence}`,
        occurredAt: new Date(now.getTime() + batch.length).toISOString(),
        currency: draft.value === null ? null : 'USD',
        campaign,
      });

    for (let n = this.rng.poisson(rates.arrivals * days); n > 0; n--) this.arrive(add);
    for (const type of BROWSING_TYPES) for (let n = this.rng.poisson(rates.browsing[type] * days); n > 0; n--) this.browse(type, add);
    for (const type of CONVERSION_TYPES) for (let n = this.rng.poisson(rates.conversions[type] * days); n > 0; n--) this.convert(type, add);
    for (const type of ACTIVITY_TYPES)
      for (let n = this.rng.poisson(rates.activity[type] * days); n > 0 && this.members.length > 0; n--)
        add(this.activity(type, this.rng.pick(this.members)), type === 'email_open' || type === 'email_click' ? 'weekly-newsletter' : null);
    return batch;
  }

  private arrive(add: Add): void {
    const rng = this.rng;
    const visitor = { anonymousId: `demo-anon-${this.run}-${++this.visitorCount}`, number: this.visitorCount };
    this.visitors.push(visitor);
    if (this.visitors.length > RECENT_VISITORS) this.visitors.shift();
    const channel = rng.weighted(this.options.rates.arrivalChannels.length > 0 ? this.options.rates.arrivalChannels : [['web', 1]]);
    const customer = {
      anonymousId: visitor.anonymousId,
      attributes: { plan: rng.chance(PRO_SHARE) ? 'pro' : 'free', country: rng.weighted(COUNTRIES), newsletter: rng.chance(0.4) },
    };
    const campaign = channel === 'paid_search' ? 'brand-search' : channel === 'referral' ? 'refer-a-friend' : null;
    if (channel === 'social')
      add({ customer, type: 'social_engagement', channel, value: null, properties: { network: rng.pick(NETWORKS), action: 'like' } });
    else if (channel === 'email') add({ customer, type: 'email_open', channel, value: null, properties: { email: 'newsletter' } });
    else
      add(
        { customer, type: 'page_view', channel, value: null, properties: { page: channel === 'referral' ? 'invite' : rng.pick(PAGES) } },
        campaign,
      );
  }

  /**
   * A visitor not acquired yet, to browse or convert: one of this run's
   * (anonymous) half of the time when there are any, else one of the
   * history's prospects; null when there is neither.
   */
  private prospect(take: boolean): { visitor: Visitor } | { externalId: string } | null {
    const rng = this.rng;
    const fromRun = this.visitors.length > 0 && (this.prospects.length === 0 || rng.chance(0.5));
    const pool: Array<Visitor | string> = fromRun ? this.visitors : this.prospects;
    if (pool.length === 0) return null;
    const index = rng.int(0, pool.length - 1);
    const chosen = take ? pool.splice(index, 1)[0] : pool[index];
    return typeof chosen === 'string' ? { externalId: chosen } : { visitor: chosen };
  }

  private browse(type: BrowsingType, add: Add): void {
    const rng = this.rng;
    const who = this.prospect(false);
    if (who === null) return;
    const customer = { anonymousId: 'visitor' in who ? who.visitor.anonymousId : demoVisitorOf(who.externalId) };
    if (type === 'page_view') add({ customer, type, channel: 'web', value: null, properties: { page: rng.pick(PAGES) } });
    else add({ customer, type, channel: 'social', value: null, properties: { network: rng.pick(NETWORKS) } });
  }

  /** A visitor signs up or buys first: one of this run's is named then, with an externalId and an email. */
  private convert(type: ConversionType, add: Add): void {
    const rng = this.rng;
    const who = this.prospect(true);
    if (who === null) return;
    let externalId: string;
    let customer: Draft['customer'];
    if ('visitor' in who) {
      const { visitor } = who;
      const first = rng.pick(FIRST_NAMES);
      const last = rng.pick(LAST_NAMES);
      externalId = `demo-live-${this.run}-${visitor.number}`;
      customer = {
        anonymousId: visitor.anonymousId,
        externalId,
        name: `${first} ${last}`,
        email: `${first}.${last.replace(/[^A-Za-z]/g, '')}.${this.run}-${visitor.number}@example.com`.toLowerCase(),
      };
    } else {
      // One of the history's visitors, anonymous since they arrived: named now (by their number, so the run's own
      // draws stay as they were).
      externalId = who.externalId;
      const names = new Prng(Number(externalId.slice('demo-'.length)));
      const first = names.pick(FIRST_NAMES);
      const last = names.pick(LAST_NAMES);
      customer = {
        anonymousId: demoVisitorOf(externalId),
        externalId,
        name: `${first} ${last}`,
        email: `${first}.${last.replace(/[^A-Za-z]/g, '')}.${externalId.slice('demo-'.length)}@example.com`.toLowerCase(),
      };
    }
    this.members.push(externalId);
    if (type === 'signup')
      add({ customer, type, channel: 'web', value: null, properties: { plan: rng.chance(PRO_SHARE) ? 'pro' : 'free' } });
    else add({ ...this.activity('purchase', externalId), customer });
  }

  /** One activity of an acquired customer, with the properties the history gives it. */
  private activity(type: ActivityType, externalId: string): Draft {
    const rng = this.rng;
    const customer = { externalId };
    const web = (properties: Record<string, JsonValue> = {}, value: number | null = null) => ({
      customer,
      type,
      channel: 'web',
      value,
      properties,
    });
    switch (type) {
      case 'purchase': {
        const prices = rng.chance(PRO_SHARE) ? PRICES.pro : PRICES.free;
        return web({ order: `demo-live-${this.run}-order-${this.sequence + 1}`, items: rng.int(1, 4) }, rng.pick(prices));
      }
      case 'feature_used':
        return web({ feature: rng.pick(FEATURES) });
      case 'page_view':
        return web({ page: rng.pick(PAGES) });
      case 'email_open':
      case 'email_click':
        return { customer, type, channel: 'email', value: null, properties: { email: 'weekly-newsletter' } };
      case 'survey_response':
        return {
          customer,
          type,
          channel: 'email',
          value: null,
          properties: { survey: 'nps', score: npsScore(rng, drawSatisfaction(rng)) },
        };
      case 'feedback':
        return web({ survey: 'csat', score: csatScore(rng, drawSatisfaction(rng)) });
      case 'review':
        return web({ rating: reviewRating(rng, drawSatisfaction(rng)), site: rng.pick(['g2', 'trustpilot', 'capterra']) });
      case 'referral':
        return { customer, type, channel: 'referral', value: null, properties: { program: 'refer-a-friend' } };
      case 'social_share':
        return { customer, type, channel: 'social', value: null, properties: { network: rng.pick(NETWORKS) } };
      case 'login':
        return web();
    }
  }
}
