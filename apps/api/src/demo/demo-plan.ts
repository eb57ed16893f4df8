import type { JsonValue } from '@clm/schema';
import { Prng } from './prng';

/*
 * The demo business, as plain data: a pure function of (seed, size, today).
 * No I/O and no clock: the same arguments give the same campaigns, spend,
 * customers and touchpoints, byte for byte.
 *
 * The business is shaped like the articles clm was designed from: visitors
 * arrive through web, search ads, social, email, referrals and display ads
 * (more of them towards the end of the year and as the business grows), a
 * share signs up or buys, fewer come back, fewer still recommend it; some
 * campaigns bring customers who buy (search, the influencer push, referrals)
 * and some bring visitors who leave (summer social, display retargeting);
 * customers fall silent and churn, and a few are won back by a purchase.
 *
 * Invariants (the tests rely on them):
 * - a customer's touchpoints are strictly increasing in time, all before `today`;
 * - while a customer is in the lifecycle past awareness, two consecutive
 *   touchpoints are less than 45 days apart, except a deliberate lapse of at
 *   least 75 days that always ends with a purchase (a win-back);
 * - `expectedStage` is the stage the default (`classic`) model gives each
 *   customer once every touchpoint is recorded in windows of `DEMO_WINDOW_DAYS`, the
 *   inactivity sweep running at the end of each (see `demoWindows`), as of
 *   `today`. It is folded here from the classic rules, so the demo's test can
 *   check clm against the plan rather than against clm's own output.
 */

export const DEMO_SEED = 20261124;
export const DEMO_CUSTOMERS = 5000;

const DAY_MS = 86_400_000;
const YEAR_DAYS = 365;
/** Gaps inside an active stretch stay below this, so the sweep (60 days) never catches an active customer. */
const MAX_ACTIVE_GAP_DAYS = 44;
/**
 * The load's windows (the sweep runs at the end of each). Two weeks: fewer,
 * fuller batches than one week, and still shorter than MIN_LAPSE_DAYS − 60.
 */
export const DEMO_WINDOW_DAYS = 14;
/** A lapse that ends in a win-back is at least this long: past 60 days plus a sweep window, so the sweep has moved them. */
const MIN_LAPSE_DAYS = 75;

export type DemoTouchpoint = {
  messageId: string;
  customer: { externalId: string; email?: string; name?: string; attributes?: Record<string, JsonValue> };
  type: string;
  channel: string;
  occurredAt: Date;
  value: number | null;
  currency: string | null;
  campaign: string | null;
  properties: Record<string, JsonValue>;
};

export type DemoCampaign = {
  key: string;
  name: string;
  channel: string;
  startsOn: string;
  endsOn: string | null;
  /** Average spend per day, in whole currency units. */
  dailySpend: number;
  /** How well the people it brings convert (1 = like organic web traffic). */
  quality: number;
};

export type DemoSpend = { campaign: string; day: string; amount: number };

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

export type DemoSegment = { name: string; description: string; rule: JsonValue };

export type DemoPlan = {
  seed: number;
  today: Date;
  campaigns: DemoCampaign[];
  spend: DemoSpend[];
  customers: DemoCustomer[];
  /** Every touchpoint, by time (then messageId). */
  touchpoints: DemoTouchpoint[];
  segments: DemoSegment[];
};

export type DemoOptions = { seed?: number; customers?: number; today: Date };

/** The segments the demo creates (rules in the segments module's language). */
export const DEMO_SEGMENTS: DemoSegment[] = [
  {
    name: 'High-value customers',
    description: 'Spent 500 or more in total.',
    rule: { field: { field: 'REVENUE', operator: 'GTE', value: 500 } },
  },
  {
    name: 'At risk, bought twice',
    description: 'Repeat buyers who have gone quiet: worth a win-back offer.',
    rule: {
      and: [{ field: { field: 'STAGE', operator: 'EQ', value: 'at-risk' } }, { field: { field: 'ORDERS', operator: 'GTE', value: 2 } }],
    },
  },
  {
    name: 'Promoters',
    description: 'Latest NPS answer 9 or 10.',
    rule: { field: { field: 'NPS_SCORE', operator: 'GTE', value: 9 } },
  },
];

/** The external id of the demo's n-th customer (1-based); the first one marks a database as holding the demo. */
export function demoExternalId(n: number): string {
  return `demo-${String(n).padStart(5, '0')}`;
}

/** Builds the whole demo business. */
export function planDemo(options: DemoOptions): DemoPlan {
  const seed = options.seed ?? DEMO_SEED;
  const size = options.customers ?? DEMO_CUSTOMERS;
  const today = options.today;
  const rng = new Prng(seed);
  const campaigns = demoCampaigns(today);
  const spend = demoSpend(rng, campaigns, today);

  const firstTouches = Array.from({ length: size }, () => firstTouchTime(rng, today)).sort((a, b) => a - b);
  const customers: DemoCustomer[] = [];
  const touchpoints: DemoTouchpoint[] = [];
  firstTouches.forEach((at, index) => {
    const story = new Story(rng, demoExternalId(index + 1), today);
    story.live(at, campaigns);
    customers.push(story.summary());
    touchpoints.push(...story.events);
  });
  touchpoints.sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || (a.messageId < b.messageId ? -1 : 1));
  return { seed, today, campaigns, spend, customers, touchpoints, segments: DEMO_SEGMENTS };
}

/** One window of the load: its touchpoints in batches, then the inactivity sweep as of `sweepAt`. */
export type DemoWindow = { batches: DemoTouchpoint[][]; sweepAt: Date };

/**
 * Cuts the plan into windows of `windowDays` ending at `today` (the last one
 * ends exactly there), each in batches of at most `maxBatch` touchpoints
 * grouped by customer and in event-time order within each customer. Every
 * touchpoint of a window is earlier than its `sweepAt` and later than or at
 * the previous window's, so each customer's history arrives in time order.
 */
export function demoWindows(plan: DemoPlan, windowDays = DEMO_WINDOW_DAYS, maxBatch = 1000): DemoWindow[] {
  const windowMs = windowDays * DAY_MS;
  const end = plan.today.getTime();
  const first = plan.touchpoints[0]?.occurredAt.getTime() ?? end;
  const count = Math.max(1, Math.ceil((end - first) / windowMs));
  const groups: DemoTouchpoint[][] = Array.from({ length: count }, () => []);
  for (const touchpoint of plan.touchpoints) {
    const fromEnd = Math.floor((end - touchpoint.occurredAt.getTime() - 1) / windowMs);
    groups[count - 1 - Math.max(0, fromEnd)].push(touchpoint);
  }
  return groups.map((group, index) => {
    const byCustomer = [...group].sort(
      (a, b) =>
        (a.customer.externalId < b.customer.externalId ? -1 : a.customer.externalId > b.customer.externalId ? 1 : 0) ||
        a.occurredAt.getTime() - b.occurredAt.getTime(),
    );
    const batches: DemoTouchpoint[][] = [];
    for (let start = 0; start < byCustomer.length; start += maxBatch) batches.push(byCustomer.slice(start, start + maxBatch));
    return { batches, sweepAt: new Date(end - (count - 1 - index) * windowMs) };
  });
}

// ------------------------------------------------------------------ calendar

/** Business is slow in summer and busy before the holidays (by UTC month, January first). */
const SEASON = [0.9, 0.85, 0.95, 1, 1, 0.85, 0.75, 0.8, 1, 1.05, 1.5, 1.6];

function season(at: number): number {
  return SEASON[new Date(at).getUTCMonth()];
}

function dayOf(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

function startOfDay(today: Date): number {
  return Math.floor(today.getTime() / DAY_MS) * DAY_MS;
}

/** A first visit in the year before `today`: more as the business grows and in busy months. */
function firstTouchTime(rng: Prng, today: Date): number {
  const end = today.getTime();
  for (;;) {
    const at = end - rng.between(0.02, YEAR_DAYS) * DAY_MS;
    const growth = 0.6 + 0.8 * (1 - (end - at) / (YEAR_DAYS * DAY_MS));
    if (rng.next() * 1.4 * 1.6 < growth * season(at)) return at;
  }
}

// ------------------------------------------------------------------ campaigns and spend

function demoCampaigns(today: Date): DemoCampaign[] {
  const day = (offset: number) => dayOf(startOfDay(today) + offset * DAY_MS);
  const campaign = (key: string, name: string, channel: string, from: number, to: number | null, dailySpend: number, quality: number) => ({
    key,
    name,
    channel,
    startsOn: day(from),
    endsOn: to === null ? null : day(to),
    dailySpend,
    quality,
  });
  return [
    campaign('brand-search', 'Brand search ads', 'paid_search', -YEAR_DAYS, null, 45, 1.35),
    campaign('weekly-newsletter', 'Weekly newsletter', 'email', -YEAR_DAYS, null, 8, 1.2),
    campaign('refer-a-friend', 'Refer a friend (rewards)', 'referral', -YEAR_DAYS, null, 6, 1.6),
    campaign('display-retargeting', 'Display retargeting', 'display', -300, -45, 40, 0.4),
    campaign('summer-social', 'Summer social push', 'social', -170, -110, 70, 0.5),
    campaign('influencer-launch', 'Influencer launch', 'social', -75, -40, 110, 1.3),
    campaign('autumn-sale', 'Autumn sale emails', 'email', -28, -1, 25, 1.45),
    campaign('we-miss-you', 'We miss you (win-back)', 'email', -240, -10, 12, 1),
  ];
}

/** Spend per campaign and day it ran (up to yesterday), around its daily average. */
function demoSpend(rng: Prng, campaigns: readonly DemoCampaign[], today: Date): DemoSpend[] {
  const yesterday = dayOf(startOfDay(today) - DAY_MS);
  const rows: DemoSpend[] = [];
  for (const campaign of campaigns) {
    const last = campaign.endsOn !== null && campaign.endsOn < yesterday ? campaign.endsOn : yesterday;
    for (let at = Date.parse(`${campaign.startsOn}T00:00:00Z`); dayOf(at) <= last; at += DAY_MS) {
      const cents = Math.round(campaign.dailySpend * rng.between(0.75, 1.25) * season(at) * 100);
      rows.push({ campaign: campaign.key, day: dayOf(at), amount: cents / 100 });
    }
  }
  return rows;
}

function activeCampaigns(campaigns: readonly DemoCampaign[], channel: string, at: number): DemoCampaign[] {
  const day = dayOf(at);
  return campaigns.filter((c) => c.channel === channel && c.startsOn <= day && (c.endsOn === null || day <= c.endsOn));
}

// ------------------------------------------------------------------ one customer's story

const FUNNEL = ['awareness', 'acquisition', 'engagement', 'retention', 'advocacy'] as const;
const ACQUISITION = 1;
const ENGAGEMENT = 2;
const RETENTION = 3;
const ADVOCACY = 4;
const ACQUIRING_TYPES = ['signup', 'trial_started', 'purchase'];
const ENGAGING_TYPES = ['login', 'feature_used', 'product_usage', 'email_click', 'webinar_attended'];

const FIRST_NAMES = [
  'Ada',
  'Grace',
  'Alan',
  'Linus',
  'Margaret',
  'Ken',
  'Barbara',
  'Dennis',
  'Frances',
  'Edsger',
  'Radia',
  'Tim',
  'Katherine',
  'John',
  'Hedy',
  'Niklaus',
  'Sophie',
  'Yukihiro',
  'Annie',
  'Guido',
  'Mary',
  'Bjarne',
  'Lynn',
  'James',
];
const LAST_NAMES = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Torvalds',
  'Hamilton',
  'Thompson',
  'Liskov',
  'Ritchie',
  'Allen',
  'Dijkstra',
  'Perlman',
  'Berners-Lee',
  'Johnson',
  'Backus',
  'Lamarr',
  'Wirth',
  'Wilson',
  'Matsumoto',
  'Easley',
  'van Rossum',
  'Keller',
  'Stroustrup',
  'Conway',
  'Gosling',
];
const COUNTRIES: ReadonlyArray<readonly [string, number]> = [
  ['US', 34],
  ['GB', 12],
  ['DE', 11],
  ['FR', 8],
  ['NL', 6],
  ['ES', 6],
  ['IN', 9],
  ['BR', 7],
  ['JP', 4],
  ['AU', 3],
];
const CHANNEL_QUALITY: Readonly<Record<string, number>> = {
  web: 1,
  social: 0.75,
  email: 1.1,
  referral: 1.5,
  paid_search: 1.2,
  display: 0.45,
};
const PAGES = ['home', 'pricing', 'features', 'blog', 'customers', 'docs'];
const FEATURES = ['reports', 'automations', 'integrations', 'dashboards', 'exports'];
const NETWORKS = ['instagram', 'linkedin', 'tiktok', 'x'];

/**
 * Writes one customer's touchpoints in time order while folding the classic
 * model's rules over them (`stage`), so the plan knows where they end up.
 */
class Story {
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
    this.satisfaction = (rng.next() + rng.next() + rng.next()) / 3;
    this.plan = rng.chance(0.25) ? 'pro' : 'free';
  }

  /** The whole story: arrival, visits, maybe acquisition, an active life, maybe a lapse and a win-back. */
  live(firstAt: number, campaigns: readonly DemoCampaign[]): void {
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
        const score = clamp(Math.round(s * 12 - 1 + rng.between(-1.5, 1.5)), 0, 10);
        this.latestNps = score;
        return this.record('survey_response', 'email', null, { survey: 'nps', score });
      }
      case 'feedback':
        return this.record('feedback', 'web', null, { survey: 'csat', score: clamp(Math.round(1 + s * 4 + rng.between(-0.8, 0.8)), 1, 5) });
      case 'review':
        this.reviewed = true;
        return this.record('review', 'web', null, {
          rating: clamp(Math.round(1 + s * 4 + rng.between(-1, 1)), 1, 5),
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
    const base = this.plan === 'pro' ? [99, 149, 199, 299, 399] : [19, 29, 49, 79, 99, 129];
    const value = this.rng.pick(base);
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

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
