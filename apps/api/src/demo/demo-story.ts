import type { JsonValue } from '@clm/schema';
import {
  activeCampaigns,
  CHANNEL_QUALITY,
  COUNTRIES,
  DAY_MS,
  FEATURES,
  FIRST_NAMES,
  LAST_NAMES,
  NETWORKS,
  PAGES,
  season,
} from './demo-business';
import type { DemoCampaign } from './demo-business';
import type { Prng } from './prng';

/** The anonymousId a demo customer browses under before they sign up (demo-00042 → visitor-00042). */
export function demoVisitorOf(externalId: string): string {
  return `visitor-${externalId.slice('demo-'.length)}`;
}

/*
 * One customer's story: their touchpoints, written in time order, and where
 * the default (`classic`) model's rules leave them (see the invariants in
 * demo-plan.ts, which this file keeps).
 */

/** What an order costs on each plan (whole USD). */
export const PRICES = { free: [19, 29, 49, 79, 99, 129], pro: [99, 149, 199, 299, 399] } as const;
/** The share of customers on the pro plan. */
export const PRO_SHARE = 0.25;

/** Gaps inside an active stretch stay below this, so the sweep (60 days) never catches an active customer. */
const MAX_ACTIVE_GAP_DAYS = 44;
/** A lapse that ends in a win-back is at least this long: past 60 days plus a sweep window, so the sweep has moved them. */
const MIN_LAPSE_DAYS = 75;

export type DemoTouchpoint = {
  messageId: string;
  /** The plan customer whose story this is (their externalId, whether or not this touchpoint names it). */
  storyOf: string;
  /** How the touchpoint names its customer: a visitor's anonymousId until they sign up or buy, their externalId after. */
  customer: { externalId?: string; anonymousId?: string; email?: string; name?: string; attributes?: Record<string, JsonValue> };
  type: string;
  channel: string;
  occurredAt: Date;
  value: number | null;
  currency: string | null;
  campaign: string | null;
  properties: Record<string, JsonValue>;
};

export type DemoCustomer = {
  externalId: string;
  firstChannel: string;
  firstCampaign: string | null;
  /** When they first reached the acquired stage (`acquisition`), or null. */
  acquiredAt: Date | null;
  orders: number;
  /** Sum of purchase values (whole units). */
  revenue: number;
  lastSeenAt: Date;
  /** The score of their latest `survey_response`, or null. */
  latestNps: number | null;
  wonBack: boolean;
  expectedStage: string;
};

const FUNNEL = ['awareness', 'acquisition', 'engagement', 'retention', 'advocacy'] as const;
const ACQUISITION = 1;
const ENGAGEMENT = 2;
const RETENTION = 3;
const ADVOCACY = 4;
const ACQUIRING_TYPES = ['signup', 'trial_started', 'purchase'];
const ENGAGING_TYPES = ['login', 'feature_used', 'product_usage', 'email_click', 'webinar_attended'];

/**
 * Writes one customer's touchpoints in time order while folding the classic
 * model's rules over them (`stage`), so the plan knows where they end up.
 */
export class Story {
  readonly events: DemoTouchpoint[] = [];
  private stage: number | null = null;
  private offPath = false;
  private wonBack = false;
  private purchases = 0;
  private revenue = 0;
  private acquiredAt: Date | null = null;
  private latestNps: number | null = null;
  private surveys = 0;
  private reviewed = false;
  private at = 0;
  private firstChannel = 'web';
  private firstCampaign: string | null = null;
  private readonly satisfaction: number;
  private readonly plan: 'free' | 'pro';
  private readonly end: number;

  constructor(
    private readonly rng: Prng,
    private readonly externalId: string,
    today: Date,
  ) {
    this.end = today.getTime();
    this.satisfaction = drawSatisfaction(rng);
    this.plan = rng.chance(PRO_SHARE) ? 'pro' : 'free';
  }

  /**
   * The whole story: arrival, visits, maybe acquisition, an active life,
   * maybe a lapse and a win-back. A visitor is anonymous until they sign up
   * or buy: their touchpoints name them by an anonymousId, and the one that
   * acquires them brings their externalId, name and email with it (as a site
   * with a tracking snippet would send them).
   */
  live(firstAt: number, campaigns: readonly DemoCampaign[]): void {
    this.tell(firstAt, campaigns);
    this.nameOnConversion();
  }

  private nameOnConversion(): void {
    const anonymousId = demoVisitorOf(this.externalId);
    const { attributes, ...known } = this.events[0].customer;
    const conversion = this.events.findIndex((event) => ACQUIRING_TYPES.includes(event.type));
    this.events.forEach((event, index) => {
      if (index === conversion) event.customer = { ...known, externalId: this.externalId, anonymousId };
      else if (conversion === -1 || index < conversion) event.customer = index === 0 ? { anonymousId, attributes } : { anonymousId };
    });
  }

  private tell(firstAt: number, campaigns: readonly DemoCampaign[]): void {
    const rng = this.rng;
    this.at = firstAt;
    const channel = this.arrivalChannel(campaigns, firstAt);
    const campaign = this.arrivalCampaign(campaigns, channel, firstAt);
    this.firstChannel = channel;
    this.firstCampaign = campaign?.key ?? null;
    const quality = campaign?.quality ?? CHANNEL_QUALITY[channel] ?? 1;

    this.arrive(channel, campaign?.key ?? null);
    const visits = rng.chance(0.5) ? rng.int(1, 4) : 0;
    for (let i = 0; i < visits && this.step(0.1, 9); i++) this.record('page_view', 'web', null, { page: rng.pick(PAGES) });

    // The funnel narrows: about half of the visitors ever sign up or buy.
    if (!rng.chance(Math.min(0.9, 0.42 * quality))) return this.browse();
    if (!this.step(0.05, 12)) return;
    const buysFirst = rng.chance(0.3);
    const keepsCampaign = rng.chance(0.7) ? (campaign?.key ?? null) : null;
    if (buysFirst) this.purchase(keepsCampaign ? channel : 'web', keepsCampaign);
    else this.record('signup', keepsCampaign ? channel : 'web', keepsCampaign, { plan: this.plan });

    const engaged = rng.chance(0.62);
    const buyer = buysFirst || rng.chance(Math.min(0.95, 0.5 * quality));
    const lifetimeDays = -Math.log(1 - rng.next()) * (engaged ? 170 : 70) * Math.min(1.4, quality);
    const lastActive = this.activeStretch(this.at + lifetimeDays * DAY_MS, engaged, buyer);
    if (lastActive === null) return;

    // Fallen silent long enough ago: some come back with a purchase.
    const lapseDays = rng.between(MIN_LAPSE_DAYS, 200);
    const returnAt = lastActive + lapseDays * DAY_MS;
    if (returnAt < this.end - DAY_MS && rng.chance(0.22)) {
      this.at = returnAt;
      this.offPath = true;
      const offer = activeCampaigns(campaigns, 'email', returnAt).find((c) => c.key === 'we-miss-you');
      this.purchase(offer ? 'email' : 'web', offer?.key ?? null);
      this.activeStretch(this.at + rng.between(5, 120) * DAY_MS, engaged, true);
    }
  }

  /** The first touch, on the arrival channel. */
  private arrive(channel: string, campaign: string | null): void {
    const rng = this.rng;
    const attributes = { plan: this.plan, country: rng.weighted(COUNTRIES), newsletter: rng.chance(0.4) };
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const number = this.externalId.slice(5);
    const customer = {
      externalId: this.externalId,
      name: `${first} ${last}`,
      email: `${first}.${last.replace(/[^A-Za-z]/g, '')}.${number}@example.com`.toLowerCase(),
      attributes,
    };
    if (channel === 'social')
      this.record('social_engagement', channel, campaign, { network: rng.pick(NETWORKS), action: 'like' }, customer);
    else if (channel === 'email') this.record('email_open', channel, campaign, { email: campaign ?? 'newsletter' }, customer);
    else this.record('page_view', channel, campaign, { page: channel === 'referral' ? 'invite' : rng.pick(PAGES) }, customer);
  }

  /** A visitor who never signs up: a few more visits, shares and mentions. */
  private browse(): void {
    const rng = this.rng;
    const more = rng.int(0, 3);
    for (let i = 0; i < more && this.step(1, 40); i++) {
      const kind = rng.weighted([
        ['page_view', 6],
        ['social_engagement', 2],
        ['social_share', 1],
        ['mention', 1],
      ] as const);
      if (kind === 'page_view') this.record(kind, 'web', null, { page: rng.pick(PAGES) });
      else this.record(kind, 'social', null, { network: rng.pick(NETWORKS) });
    }
  }

  /**
   * Activity until `until` (or today): gaps under 45 days, logins and feature
   * use if engaged, purchases if a buyer (more in busy months), surveys,
   * feedback, reviews, referrals. Returns the time of the last touchpoint, or
   * null when the stretch reached today.
   */
  private activeStretch(until: number, engaged: boolean, buyer: boolean): number | null {
    const rng = this.rng;
    for (;;) {
      const gap = engaged ? rng.between(1.5, 21) : rng.between(8, MAX_ACTIVE_GAP_DAYS);
      if (this.at + gap * DAY_MS >= Math.min(until, this.end)) return until >= this.end ? null : this.at;
      this.at += gap * DAY_MS;
      const kind = rng.weighted([
        ['login', engaged ? 40 : 0],
        ['feature_used', engaged ? 16 : 0],
        ['purchase', buyer ? 14 * season(this.at) * (this.plan === 'pro' ? 1.4 : 1) : 0],
        ['email_open', 8],
        ['email_click', engaged ? 4 : 0],
        ['survey_response', this.surveys < 2 ? 3 : 0],
        ['feedback', this.purchases > 0 ? 4 : 0],
        ['review', this.purchases > 0 && !this.reviewed ? 2 : 0],
        ['referral', 3 * this.satisfaction * this.satisfaction],
        ['social_share', 2],
        ['page_view', 5],
      ] as const);
      this.activity(kind);
    }
  }

  private activity(kind: string): void {
    const rng = this.rng;
    const s = this.satisfaction;
    switch (kind) {
      case 'purchase':
        return this.purchase('web', null);
      case 'login':
        return this.record('login', 'web', null, {});
      case 'feature_used':
        return this.record('feature_used', 'web', null, { feature: rng.pick(FEATURES) });
      case 'email_open':
      case 'email_click':
        return this.record(kind, 'email', 'weekly-newsletter', { email: 'weekly-newsletter' });
      case 'survey_response': {
        this.surveys++;
        const score = npsScore(rng, s);
        this.latestNps = score;
        return this.record('survey_response', 'email', null, { survey: 'nps', score });
      }
      case 'feedback':
        return this.record('feedback', 'web', null, { survey: 'csat', score: csatScore(rng, s) });
      case 'review':
        this.reviewed = true;
        return this.record('review', 'web', null, {
          rating: reviewRating(rng, s),
          site: rng.pick(['g2', 'trustpilot', 'capterra']),
        });
      case 'referral':
        return this.record('referral', 'referral', 'refer-a-friend', { program: 'refer-a-friend' });
      case 'social_share':
        return this.record('social_share', 'social', null, { network: rng.pick(NETWORKS) });
      default:
        return this.record('page_view', 'web', null, { page: rng.pick(PAGES) });
    }
  }

  private purchase(channel: string, campaign: string | null): void {
    const value = this.rng.pick(PRICES[this.plan]);
    this.purchases++;
    this.revenue += value;
    this.record(
      'purchase',
      channel,
      campaign,
      { order: `${this.externalId}-${this.purchases}`, items: this.rng.int(1, 4) },
      undefined,
      value,
    );
  }

  /** Moves the clock forward by a random number of days in [min, max]; false when that passes today. */
  private step(minDays: number, maxDays: number): boolean {
    const next = this.at + this.rng.between(minDays, maxDays) * DAY_MS;
    if (next >= this.end) return false;
    this.at = next;
    return true;
  }

  private arrivalChannel(campaigns: readonly DemoCampaign[], at: number): string {
    const running = (channel: string) => activeCampaigns(campaigns, channel, at).filter((c) => c.key !== 'we-miss-you').length;
    return this.rng.weighted([
      ['web', 26],
      ['paid_search', 18],
      ['social', 14 + 16 * running('social')],
      ['email', 10 + 8 * running('email')],
      ['referral', 8],
      ['display', 14 * running('display')],
    ] as const);
  }

  private arrivalCampaign(campaigns: readonly DemoCampaign[], channel: string, at: number): DemoCampaign | null {
    const running = activeCampaigns(campaigns, channel, at).filter((c) => c.key !== 'we-miss-you');
    if (running.length === 0) return null;
    if (channel === 'social' && running.length === 1 && this.rng.chance(0.4)) return null;
    return running[running.length - 1];
  }

  /** Records a touchpoint at the current time and folds the classic rules over it. */
  private record(
    type: string,
    channel: string,
    campaign: string | null,
    properties: Record<string, JsonValue>,
    customer: DemoTouchpoint['customer'] = { externalId: this.externalId },
    value: number | null = null,
  ): void {
    const occurredAt = new Date(Math.floor(this.at));
    this.events.push({
      messageId: `${this.externalId}-${this.events.length + 1}`,
      storyOf: this.externalId,
      customer,
      type,
      channel,
      occurredAt,
      value,
      currency: value === null ? null : 'USD',
      campaign,
      properties,
    });
    this.fold(type, properties, occurredAt);
  }

  /** The classic model's rules (packages/schema presets), as this story uses them. */
  private fold(type: string, properties: Record<string, JsonValue>, at: Date): void {
    if (this.offPath) {
      // A lapse always ends with a purchase: the win-back rule moves them to retention.
      this.offPath = false;
      this.wonBack = true;
      this.stage = RETENTION;
      return;
    }
    const from = this.stage;
    let to = from ?? 0;
    const acquired = from !== null && from >= ACQUISITION && from <= RETENTION;
    if (ACQUIRING_TYPES.includes(type)) to = Math.max(to, ACQUISITION);
    if (ENGAGING_TYPES.includes(type) && from === ACQUISITION) to = Math.max(to, ENGAGEMENT);
    if (type === 'purchase' && this.purchases >= 2) to = Math.max(to, RETENTION);
    const advocates =
      type === 'referral' ||
      (type === 'review' && Number(properties.rating) >= 4) ||
      (type === 'survey_response' && Number(properties.score) >= 9);
    if (advocates && acquired) to = ADVOCACY;
    this.stage = to;
    if (to >= ACQUISITION && this.acquiredAt === null) this.acquiredAt = at;
  }

  summary(): DemoCustomer {
    const last = this.events[this.events.length - 1].occurredAt;
    const silentMs = this.end - last.getTime();
    const stage = this.stage ?? 0;
    // The sweep as of today: last seen at or before today − 60 days is at-risk, − 120 days churned.
    let expectedStage: string = FUNNEL[stage];
    if (stage >= ACQUISITION && silentMs >= 120 * DAY_MS) expectedStage = 'churned';
    else if (stage >= ACQUISITION && silentMs >= 60 * DAY_MS) expectedStage = 'at-risk';
    return {
      externalId: this.externalId,
      firstChannel: this.firstChannel,
      firstCampaign: this.firstCampaign,
      acquiredAt: this.acquiredAt,
      orders: this.purchases,
      revenue: this.revenue,
      lastSeenAt: last,
      latestNps: this.latestNps,
      wonBack: this.wonBack,
      expectedStage,
    };
  }
}

/*
 * What customers answer, from their satisfaction (0 to 1, the mean of three
 * uniform draws: mostly between 0.3 and 0.7). Shaped like a healthy SaaS
 * business: NPS answers average 8 (about 38% promoters and 17% detractors, an
 * NPS near +20), CSAT averages 4 of 5, review ratings 4 of 5. The demo's
 * history and its simulator both answer through these.
 */

/** A customer's "how likely are you to recommend us" answer, 0 to 10. */
export function npsScore(rng: Prng, satisfaction: number): number {
  return clamp(Math.round(4 + satisfaction * 8 + rng.between(-1.5, 1.5)), 0, 10);
}

/** A customer's satisfaction survey answer, 1 to 5. */
export function csatScore(rng: Prng, satisfaction: number): number {
  return clamp(Math.round(2 + satisfaction * 4 + rng.between(-0.8, 0.8)), 1, 5);
}

/** A customer's review rating, 1 to 5 stars. */
export function reviewRating(rng: Prng, satisfaction: number): number {
  return clamp(Math.round(2 + satisfaction * 4 + rng.between(-1, 1)), 1, 5);
}

/** A satisfaction level, 0 to 1: the mean of three uniform draws. */
export function drawSatisfaction(rng: Prng): number {
  return (rng.next() + rng.next() + rng.next()) / 3;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
