import type { JsonValue } from '@clm/schema';
import type { Prng } from './prng';

/*
 * The demo business's cast, as plain data: its campaigns and their spend,
 * the segments it defines, its calendar (seasons), and the names, countries,
 * pages and networks its customers' stories are told with. No I/O and no
 * clock: `today` is always an argument.
 */

export const DAY_MS = 86_400_000;
export const YEAR_DAYS = 365;

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

export type DemoSegment = { name: string; description: string; rule: JsonValue };

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

// ------------------------------------------------------------------ calendar

/** Business is slow in summer and busy before the holidays (by UTC month, January first). */
const SEASON = [0.9, 0.85, 0.95, 1, 1, 0.85, 0.75, 0.8, 1, 1.05, 1.5, 1.6];

/** How busy the business is in the month of `at` (1 = an ordinary month). */
export function season(at: number): number {
  return SEASON[new Date(at).getUTCMonth()];
}

function dayOf(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

function startOfDay(today: Date): number {
  return Math.floor(today.getTime() / DAY_MS) * DAY_MS;
}

// ------------------------------------------------------------------ campaigns and spend

/** The business's campaigns, dated relative to `today`: three always on, the others run and ended (autumn-sale ends yesterday). */
export function demoCampaigns(today: Date): DemoCampaign[] {
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
export function demoSpend(rng: Prng, campaigns: readonly DemoCampaign[], today: Date): DemoSpend[] {
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

/** The campaigns of `channel` running on the UTC day of `at`. */
export function activeCampaigns(campaigns: readonly DemoCampaign[], channel: string, at: number): DemoCampaign[] {
  const day = dayOf(at);
  return campaigns.filter((c) => c.channel === channel && c.startsOn <= day && (c.endsOn === null || day <= c.endsOn));
}

// ------------------------------------------------------------------ who the customers are

export const FIRST_NAMES = [
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
export const LAST_NAMES = [
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
export const COUNTRIES: ReadonlyArray<readonly [string, number]> = [
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
export const CHANNEL_QUALITY: Readonly<Record<string, number>> = {
  web: 1,
  social: 0.75,
  email: 1.1,
  referral: 1.5,
  paid_search: 1.2,
  display: 0.45,
};
export const PAGES = ['home', 'pricing', 'features', 'blog', 'customers', 'docs'];
export const FEATURES = ['reports', 'automations', 'integrations', 'dashboards', 'exports'];
export const NETWORKS = ['instagram', 'linkedin', 'tiktok', 'x'];
