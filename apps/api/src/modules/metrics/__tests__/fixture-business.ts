import type { TestServer } from '../../../testing';

/*
 * A business small enough to compute every metric by hand: twelve customers
 * (c01 … c12) of the default `classic` model, followed from October 2025
 * (the "previous period" of the range) to March 2026 (the range). It is
 * loaded through the public ingest service, so every stage transition below
 * comes from the real rule engine and the real inactivity sweep (campaigns
 * and spend through the public GraphQL mutations); the test
 * (metrics-fixture.test.ts) derives each expected number from this page.
 *
 * Range: 2026-01-01 … 2026-03-31 (90 days; months of 31, 28, 31 days).
 * Previous period of equal length: 2025-10-03 … 2025-12-31.
 * Every event is at 10:00Z unless its time is written out.
 *
 * Plans (for the segment "plan = pro"): pro = c03, c04, c06, c09; the rest free.
 *
 * Campaigns and spend
 *   winter-email  channel email        30 on 2025-12-20; 50 on each of 2026-01-04, -05, -06 (Q1: 150)
 *   spring-search channel paid_search  100 on each of 2026-03-01, -02, -03, -04          (Q1: 400)
 *
 * Customers, their touchpoints, and the transitions the engine derives (→)
 *   c01 2025-10-05 page_view web → awareness; 10-06 purchase 100 web → acquisition;
 *       10-20 09:00 login → engagement; 10-20 survey_response 8. Last seen 10-20 10:00, so the sweep
 *       (as of 2026-04-01) moves them → at-risk 2025-12-19 10:00 (+60 d) → churned 2026-02-17 10:00 (+120 d).
 *       WIN-BACK, recorded after the sweep: 2026-03-20 purchase 80 email → retention; 03-25 page_view.
 *   c02 2025-11-01 signup email → acquisition (entering the lifecycle there); 11-03 09:00 purchase 50;
 *       11-03 10:00 survey_response 2; 11-03 11:00 feedback 1. Sweep: → at-risk 2026-01-02 11:00 → churned 2026-03-03 11:00.
 *   c03 2025-12-10 page_view social → awareness; 12-12 purchase 200 → acquisition; 2026-01-15 purchase 150
 *       (second) → retention; 01-16 feedback 4; 02-10 survey_response 9 → advocacy; 02-12 referral; 03-05 login.
 *   c04 01-04 page_view email/winter-email → awareness; 01-06 signup email/winter-email → acquisition;
 *       01-07 login → engagement; 01-20 purchase 120; 02-20 feedback 4; 03-15 purchase 60 (second) → retention;
 *       03-16 referral → advocacy.
 *   c05 01-05 page_view email/winter-email → awareness; 01-08 purchase 40 email/winter-email → acquisition.
 *       Sweep: → at-risk 03-09 10:00 (not churned by 04-01).
 *   c06 03-02 page_view paid_search/spring-search → awareness; 03-03 signup paid_search/spring-search → acquisition;
 *       03-04 feature_used → engagement; 03-10 purchase 300.
 *   c07 02-20 page_view → awareness; 02-25 survey_response 10 (no move from awareness);
 *       03-05 page_view paid_search/spring-search; 03-06 purchase 90 paid_search/spring-search → acquisition;
 *       03-20 survey_response 5 (answers twice: the latest score counts).
 *   c08 01-10 page_view → awareness; 01-12 signup → acquisition; 01-14 survey_response 7; 02-05 login → engagement;
 *       02-06 feedback 5; 03-20 login.
 *   c09 2026-02-01T00:30:00+01:00 (= 01-31 23:30Z, a January UTC day) page_view social → awareness;
 *       02-14 purchase 70 social → acquisition; 03-01 survey_response 3; 03-01 11:00 feedback 2.
 *   c10 01-20 page_view → awareness; 02-20 page_view; 02-21 social_engagement social;
 *       02-21 11:00 feedback with score 7 (outside 1–5: not a CSAT answer); 03-10 mention social. Never acquired.
 *   c11 01-25 social_engagement social → awareness; 02-02 social_share social; 03-03 social_share social;
 *       03-04 mention social. Never acquired.
 *   c12 03-18 signup → acquisition (entering the lifecycle there). LATE EVENT, recorded after the signup:
 *       03-16 page_view social/spring-search (first touch stays the signup: it was not known when they were acquired).
 * Channel "web" and no campaign unless written.
 *
 * Load order: Q4, January, February, March (one ingest batch each), the inactivity sweep as of
 * 2026-04-01T00:00Z, then the win-back and the late event.
 */

export const FIXTURE_RANGE = { from: '2026-01-01', to: '2026-03-31' } as const;
export const SWEEP_AS_OF = new Date('2026-04-01T00:00:00Z');

export const CUSTOMER_KEYS = ['c01', 'c02', 'c03', 'c04', 'c05', 'c06', 'c07', 'c08', 'c09', 'c10', 'c11', 'c12'] as const;
export type CustomerKey = (typeof CUSTOMER_KEYS)[number];

const PRO: readonly CustomerKey[] = ['c03', 'c04', 'c06', 'c09'];

export const CAMPAIGNS = [
  { key: 'winter-email', name: 'Winter newsletter', channel: 'email', startsOn: '2025-12-01' },
  { key: 'spring-search', name: 'Spring search ads', channel: 'paid_search', startsOn: '2026-03-01' },
] as const;

export const SPEND = [
  { campaign: 'winter-email', day: '2025-12-20', amount: 30 },
  { campaign: 'winter-email', day: '2026-01-04', amount: 50 },
  { campaign: 'winter-email', day: '2026-01-05', amount: 50 },
  { campaign: 'winter-email', day: '2026-01-06', amount: 50 },
  { campaign: 'spring-search', day: '2026-03-01', amount: 100 },
  { campaign: 'spring-search', day: '2026-03-02', amount: 100 },
  { campaign: 'spring-search', day: '2026-03-03', amount: 100 },
  { campaign: 'spring-search', day: '2026-03-04', amount: 100 },
] as const;

type Extras = { channel?: string; campaign?: string; value?: number; score?: number };
/** One touchpoint: customer, when (a day at 10:00Z, or a full ISO time), type, and what else it carries. */
type FixtureEvent = [customer: CustomerKey, at: string, type: string, extras?: Extras];

const WINTER = { channel: 'email', campaign: 'winter-email' };
const SPRING = { channel: 'paid_search', campaign: 'spring-search' };

export const Q4_2025: FixtureEvent[] = [
  ['c01', '2025-10-05', 'page_view'],
  ['c01', '2025-10-06', 'purchase', { value: 100 }],
  ['c01', '2025-10-20T09:00:00Z', 'login'],
  ['c01', '2025-10-20', 'survey_response', { score: 8 }],
  ['c02', '2025-11-01', 'signup', { channel: 'email' }],
  ['c02', '2025-11-03T09:00:00Z', 'purchase', { value: 50 }],
  ['c02', '2025-11-03', 'survey_response', { score: 2 }],
  ['c02', '2025-11-03T11:00:00Z', 'feedback', { score: 1 }],
  ['c03', '2025-12-10', 'page_view', { channel: 'social' }],
  ['c03', '2025-12-12', 'purchase', { value: 200 }],
];

export const JANUARY: FixtureEvent[] = [
  ['c04', '2026-01-04', 'page_view', WINTER],
  ['c05', '2026-01-05', 'page_view', WINTER],
  ['c04', '2026-01-06', 'signup', WINTER],
  ['c04', '2026-01-07', 'login'],
  ['c05', '2026-01-08', 'purchase', { ...WINTER, value: 40 }],
  ['c08', '2026-01-10', 'page_view'],
  ['c08', '2026-01-12', 'signup'],
  ['c08', '2026-01-14', 'survey_response', { score: 7 }],
  ['c03', '2026-01-15', 'purchase', { value: 150 }],
  ['c03', '2026-01-16', 'feedback', { score: 4 }],
  ['c04', '2026-01-20', 'purchase', { value: 120 }],
  ['c10', '2026-01-20', 'page_view'],
  ['c11', '2026-01-25', 'social_engagement', { channel: 'social' }],
  ['c09', '2026-02-01T00:30:00+01:00', 'page_view', { channel: 'social' }],
];

export const FEBRUARY: FixtureEvent[] = [
  ['c11', '2026-02-02', 'social_share', { channel: 'social' }],
  ['c08', '2026-02-05', 'login'],
  ['c08', '2026-02-06', 'feedback', { score: 5 }],
  ['c03', '2026-02-10', 'survey_response', { score: 9 }],
  ['c03', '2026-02-12', 'referral'],
  ['c09', '2026-02-14', 'purchase', { channel: 'social', value: 70 }],
  ['c04', '2026-02-20', 'feedback', { score: 4 }],
  ['c07', '2026-02-20', 'page_view'],
  ['c10', '2026-02-20', 'page_view'],
  ['c10', '2026-02-21', 'social_engagement', { channel: 'social' }],
  ['c10', '2026-02-21T11:00:00Z', 'feedback', { score: 7 }],
  ['c07', '2026-02-25', 'survey_response', { score: 10 }],
];

export const MARCH: FixtureEvent[] = [
  ['c09', '2026-03-01', 'survey_response', { score: 3 }],
  ['c09', '2026-03-01T11:00:00Z', 'feedback', { score: 2 }],
  ['c06', '2026-03-02', 'page_view', SPRING],
  ['c06', '2026-03-03', 'signup', SPRING],
  ['c11', '2026-03-03', 'social_share', { channel: 'social' }],
  ['c06', '2026-03-04', 'feature_used'],
  ['c11', '2026-03-04', 'mention', { channel: 'social' }],
  ['c03', '2026-03-05', 'login'],
  ['c07', '2026-03-05', 'page_view', SPRING],
  ['c07', '2026-03-06', 'purchase', { ...SPRING, value: 90 }],
  ['c06', '2026-03-10', 'purchase', { value: 300 }],
  ['c10', '2026-03-10', 'mention', { channel: 'social' }],
  ['c04', '2026-03-15', 'purchase', { value: 60 }],
  ['c04', '2026-03-16', 'referral'],
  ['c12', '2026-03-18', 'signup'],
  ['c07', '2026-03-20', 'survey_response', { score: 5 }],
  ['c08', '2026-03-20', 'login'],
];

/** Recorded after the sweep: c01's win-back purchase and visit, and c12's late page view. */
export const AFTER_SWEEP: FixtureEvent[] = [
  ['c01', '2026-03-20', 'purchase', { channel: 'email', value: 80 }],
  ['c01', '2026-03-25', 'page_view'],
  ['c12', '2026-03-16', 'page_view', { channel: 'social', campaign: 'spring-search' }],
];

export type FixtureBusiness = {
  /** Customer ids by fixture key. */
  ids: Record<CustomerKey, string>;
  /** The segment "plan = pro" (c03, c04, c06, c09). */
  proSegment: string;
};

/** Runs a GraphQL mutation of the fixture and fails loudly if it is refused. */
async function mutate(server: TestServer, mutation: string, variables: Record<string, unknown>): Promise<void> {
  const response = await server.graphql(mutation, variables);
  if (response.errors) throw new Error(`fixture mutation refused: ${JSON.stringify(response.errors)}`);
}

/** Loads the fixture business into the server's empty database and waits for the projections. */
export async function loadFixtureBusiness(server: TestServer): Promise<FixtureBusiness> {
  const services = server.services;
  for (const campaign of CAMPAIGNS) {
    await mutate(server, `mutation ($input: CreateCampaignInput!) { createCampaign(input: $input) { key } }`, { input: campaign });
  }
  await mutate(server, `mutation ($spend: [CampaignSpendInput!]!) { recordCampaignSpend(spend: $spend) { rows } }`, { spend: SPEND });

  const ids = {} as Record<CustomerKey, string>;
  let sequence = 0;
  const record = async (events: FixtureEvent[]) => {
    const submissions = events.map(([customer, at, type, extras = {}]) => ({
      messageId: `fixture-${++sequence}`,
      customer: { externalId: customer, name: customer, attributes: { plan: PRO.includes(customer) ? 'pro' : 'free' } },
      type,
      channel: extras.channel ?? 'web',
      campaign: extras.campaign ?? null,
      occurredAt: at.length === 10 ? `${at}T10:00:00Z` : at,
      value: extras.value ?? null,
      properties: extras.score === undefined ? {} : { score: extras.score },
    }));
    const results = await services.ingest.record(submissions, (index) => `fixture[${index}]`);
    for (const result of results) {
      if (result.status !== 'ACCEPTED' || result.customerId === null)
        throw new Error(`fixture event not stored: ${JSON.stringify(result)}`);
      ids[events[result.index][0]] = result.customerId;
    }
  };

  for (const month of [Q4_2025, JANUARY, FEBRUARY, MARCH]) await record(month);
  // The sweep skips customers another transaction has locked (SKIP LOCKED): let the projections finish first.
  await services.projector.catchUp();
  const sweep = await services.lifecycle.runInactivitySweep(SWEEP_AS_OF);
  // c01 and c02 at-risk and churned, c05 at-risk.
  if (sweep.atRisk !== 3 || sweep.churned !== 2) throw new Error(`unexpected sweep: ${JSON.stringify(sweep)}`);
  await record(AFTER_SWEEP);

  const segment = await services.segments.create(
    { name: 'Pro plan', rule: { attribute: { name: 'plan', operator: 'EQ', value: 'pro' } } },
    'fixture',
  );
  await services.projector.catchUp();
  return { ids, proSegment: segment.id };
}
