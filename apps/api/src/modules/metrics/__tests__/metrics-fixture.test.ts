import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodeLogCursor } from '../../../log';
import { startTestServer } from '../../../testing';
import type { TestServer } from '../../../testing';
import { Attribution } from '../metric-sources';
import type { MetricFilter } from '../metric-sources';
import { Bucket } from '../metric-windows';
import type { MetricsRequest, MetricSeries } from '../metrics.service';
import { FIXTURE_RANGE, loadFixtureBusiness } from './fixture-business';
import type { FixtureBusiness } from './fixture-business';

/*
 * Every lifecycle metric of the fixture business (fixture-business.ts: read
 * its header first), each asserted against a value computed by hand from the
 * written definition (docs/metrics.md), with the arithmetic above it.
 *
 * Unless a test says otherwise: range 2026-01-01 … 2026-03-31, MONTH buckets
 * (Jan, Feb, Mar), compareToPrevious (previous = 2025-10-03 … 2025-12-31),
 * FIRST_TOUCH attribution, no filter.

 */

const close = (value: number) => expect.closeTo(value, 9);
/** An exact integer as is; anything else compared to 9 decimal places. */
const n = (value: number | null) => (value === null || Number.isInteger(value) ? value : close(value));
const months = (jan: number | null, feb: number | null, mar: number | null) => [
  { bucket: '2026-01-01', value: n(jan) },
  { bucket: '2026-02-01', value: n(feb) },
  { bucket: '2026-03-01', value: n(mar) },
];
const metric = (total: number | null, previous: number | null, change: number | null, series: unknown) => ({
  total: n(total),
  previous: n(previous),
  change: n(change),
  series,
});

describe('the metrics of the fixture business', () => {
  let server: TestServer;
  let fixture: FixtureBusiness;

  beforeAll(async () => {
    server = await startTestServer();
    fixture = await loadFixtureBusiness(server);
  }, 120_000);
  afterAll(async () => {
    await server.close();
  });

  const query = (overrides: Partial<MetricsRequest> = {}) =>
    server.services.metrics.query({
      ...FIXTURE_RANGE,
      bucket: Bucket.MONTH,
      filter: {},
      attribution: Attribution.FIRST_TOUCH,
      compareToPrevious: true,
      ...overrides,
    });
  const filtered = (filter: MetricFilter, overrides: Partial<MetricsRequest> = {}) => query({ filter, ...overrides });
  const pro = (): MetricFilter => ({ segment: fixture.proSegment });
  const totalOf = (result: Promise<MetricSeries>) => result.then((series) => series.total);

  describe('awareness', () => {
    it('counts page views by the UTC day of occurredAt, the late one included', async () => {
      const metrics = server.services.metrics;
      // Jan: c04 01-04, c05 01-05, c08 01-10, c10 01-20, c09 01-31 23:30Z = 5; Feb: c07, c10 02-20 = 2;
      // Mar: c06 03-02, c07 03-05, c12 03-16 (recorded late), c01 03-25 = 4. Total 5 + 2 + 4 = 11.
      // Previous: c01 2025-10-05, c03 2025-12-10 = 2. Change (11 − 2) ÷ 2 = 4.5.
      expect(await metrics.metric('pageViews', await query())).toEqual(metric(11, 2, 4.5, months(5, 2, 4)));
      // c09's page view was sent as 2026-02-01T00:30+01:00: 2026-01-31 in UTC.
      expect(await metrics.metric('pageViews', await query({ from: '2026-01-31', to: '2026-02-01', bucket: Bucket.DAY }))).toMatchObject({
        total: 1,
        series: [
          { bucket: '2026-01-31', value: 1 },
          { bucket: '2026-02-01', value: 0 },
        ],
      });
      // ISO weeks, keyed by their Monday, cut to the range (2026-01-01 is a Thursday):
      // Dec 29 week (Jan 1–4): c04 = 1; Jan 5: c05, c08 = 2; Jan 12: 0; Jan 19: c10 = 1; Jan 26 (to Jan 31): c09 = 1.
      expect(
        (await metrics.metric('pageViews', await query({ from: '2026-01-01', to: '2026-01-31', bucket: Bucket.WEEK }))).series,
      ).toEqual([
        { bucket: '2025-12-29', value: 1 },
        { bucket: '2026-01-05', value: 2 },
        { bucket: '2026-01-12', value: 0 },
        { bucket: '2026-01-19', value: 1 },
        { bucket: '2026-01-26', value: 1 },
      ]);
    });

    it('filters page views by the touchpoint’s channel and campaign, and by segment members', async () => {
      const metrics = server.services.metrics;
      // Channel email: c04 01-04, c05 01-05 = 2.
      expect(await totalOf(metrics.metric('pageViews', await filtered({ channel: 'email' })))).toBe(2);
      // Campaign spring-search: c06 03-02, c07 03-05, c12 03-16 (late, social channel) = 3.
      expect(await totalOf(metrics.metric('pageViews', await filtered({ campaign: 'spring-search' })))).toBe(3);
      // Segment pro (c03, c04, c06, c09): c04 01-04, c09 01-31, c06 03-02 = 3.
      expect(await totalOf(metrics.metric('pageViews', await filtered(pro())))).toBe(3);
    });

    it('counts unique visitors once per window', async () => {
      const metrics = server.services.metrics;
      // Jan: c04, c05, c08, c10, c09 = 5; Feb: c07, c10 = 2; Mar: c06, c07, c12, c01 = 4.
      // Range: c04, c05, c08, c10, c09, c07, c06, c12, c01 = 9 (c07 and c10 visit in two months, counted once).
      // Previous: c01, c03 = 2; change (9 − 2) ÷ 2 = 3.5.
      expect(await metrics.metric('uniqueVisitors', await query())).toEqual(metric(9, 2, 3.5, months(5, 2, 4)));
      // Channel social: c09 (01-31), c12 (03-16) = 2.
      expect(await totalOf(metrics.metric('uniqueVisitors', await filtered({ channel: 'social' })))).toBe(2);
    });

    it('counts social engagements', async () => {
      // c11 01-25, c10 02-21 = 2; none before: previous 0, so no change (null).
      expect(await server.services.metrics.metric('socialEngagements', await query())).toEqual(metric(2, 0, null, months(1, 1, 0)));
    });

    it('counts social shares', async () => {
      // c11 02-02 and 03-03 = 2.
      expect(await server.services.metrics.metric('socialShares', await query())).toEqual(metric(2, 0, null, months(0, 1, 1)));
    });

    it('counts brand mentions', async () => {
      const metrics = server.services.metrics;
      // c11 03-04, c10 03-10 = 2.
      expect(await metrics.metric('brandMentions', await query())).toEqual(metric(2, 0, null, months(0, 0, 2)));
      // Both mentioners are on the free plan.
      expect(await totalOf(metrics.metric('brandMentions', await filtered(pro())))).toBe(0);
    });
  });

  describe('acquisition', () => {
    it('counts new customers on the day they first entered the acquired stage', async () => {
      const metrics = server.services.metrics;
      // Jan: c04 01-06, c05 01-08, c08 01-12 = 3; Feb: c09 02-14 = 1; Mar: c06 03-03, c07 03-06, c12 03-18 = 3; total 7.
      // Previous: c01 10-06, c02 11-01, c03 12-12 = 3; change (7 − 3) ÷ 3 = 4/3.
      // c01's win-back (churned → retention) is not a new acquisition.
      expect(await metrics.metric('newCustomers', await query())).toEqual(metric(7, 3, 4 / 3, months(3, 1, 3)));
    });

    it('credits new customers to the channel and campaign of their first touch or of the acquiring touch', async () => {
      const metrics = server.services.metrics;
      // First touch web: c08 (page view 01-10), c07 (page view 02-20), c12 (signup: the late page view came after) = 3.
      expect(await totalOf(metrics.metric('newCustomers', await filtered({ channel: 'web' })))).toBe(3);
      // Acquiring touch web: c08 (signup), c12 (signup) = 2; c07 was acquired by a paid_search purchase.
      expect(
        await totalOf(metrics.metric('newCustomers', await filtered({ channel: 'web' }, { attribution: Attribution.ACQUIRING_TOUCH }))),
      ).toBe(2);
      // Campaign spring-search: first touch c06 = 1; acquiring touch c06 (signup) and c07 (purchase) = 2.
      expect(await totalOf(metrics.metric('newCustomers', await filtered({ campaign: 'spring-search' })))).toBe(1);
      expect(
        await totalOf(
          metrics.metric('newCustomers', await filtered({ campaign: 'spring-search' }, { attribution: Attribution.ACQUIRING_TOUCH })),
        ),
      ).toBe(2);
      // Segment pro: c04 (Jan), c09 (Feb), c06 (Mar) = 3; c03 was acquired in December.
      expect(await metrics.metric('newCustomers', await filtered(pro()))).toMatchObject({ total: 3, previous: 1, series: months(1, 1, 1) });
    });

    it('credits new customers to the last campaign touch within the lookback (LAST_TOUCH)', async () => {
      const metrics = server.services.metrics;
      const lastTouch = (lookbackDays: number) => ({ attribution: Attribution.LAST_TOUCH, lookbackDays });
      // spring-search, 30 days: c06 (its signup), c07 (its purchase), and c12 — acquired on 03-18 by a signup without a
      // campaign, but its page view of 03-16 (recorded late, 2 days before) carried spring-search = 3, all in March.
      expect(await metrics.metric('newCustomers', await filtered({ campaign: 'spring-search' }, lastTouch(30)))).toMatchObject({
        total: 3,
        series: months(0, 0, 3),
      });
      // 1 day: the page view is 2 days before, so c12 falls back to its acquiring touch (no campaign) = 2.
      expect(await totalOf(metrics.metric('newCustomers', await filtered({ campaign: 'spring-search' }, lastTouch(1))))).toBe(2);
      // Channel social, 30 days: c12 (that page view came through social) and c09 (acquired by a social purchase) = 2.
      expect(await totalOf(metrics.metric('newCustomers', await filtered({ channel: 'social' }, lastTouch(30))))).toBe(2);
      // Spend 400 (spring-search, March) over 3 = 400/3.
      expect(await totalOf(metrics.metric('cac', await filtered({ campaign: 'spring-search' }, lastTouch(30))))).toBe(400 / 3);
      await expect(
        metrics.query({
          ...FIXTURE_RANGE,
          bucket: Bucket.MONTH,
          filter: {},
          attribution: Attribution.LAST_TOUCH,
          lookbackDays: 0,
          compareToPrevious: false,
        }),
      ).rejects.toThrow('lookbackDays: must be a whole number of days from 1 to 365');
    });

    it('gives sales by currency: the fixture sends none, so one row with every purchase', async () => {
      // Jan c05 40, c03 150, c04 120; Feb c09 70; Mar c07 90, c06 300, c04 60, c01 80: 8 purchases, 910 (the sales total).
      expect(await server.services.metrics.metric('salesByCurrency', await query())).toEqual([{ currency: '', purchases: 8, amount: 910 }]);
    });

    it('gives the conversion rate of the cohort that entered the lifecycle in each window', async () => {
      const metrics = server.services.metrics;
      // Entered in Jan: c04, c05, c08, c10, c11, c09 (01-31) = 6, of whom c04, c05, c08, c09 reached acquisition: 4/6.
      // Feb: c07 → acquired = 1/1. Mar: c06, c12 (entered at acquisition) = 2/2.
      // Range: 9 entered, 7 acquired (not c10, c11): 7/9. Previous: c01, c02, c03 all acquired = 3/3 = 1.
      // Change (7/9 − 1) ÷ 1 = −2/9.
      expect(await metrics.metric('conversionRate', await query())).toEqual(metric(7 / 9, 1, -2 / 9, months(4 / 6, 1, 1)));
      // Segment pro: entered in the range c04, c09, c06, all acquired: 3/3.
      expect(await totalOf(metrics.metric('conversionRate', await filtered(pro())))).toBe(1);
    });

    it('with a channel filter, takes the cohort by first touch, acquired or not', async () => {
      // Entered in the range with first touch web: c07, c08, c10 (never acquired), c12 (first touch when acquired: its
      // signup; the late page view came after). Reached acquisition: c07, c08, c12 → 3/4.
      expect(await totalOf(server.services.metrics.metric('conversionRate', await filtered({ channel: 'web' })))).toBe(3 / 4);
    });

    it('gives CAC as spend over new customers, null when nobody was acquired', async () => {
      const metrics = server.services.metrics;
      // Spend: Jan 150 (winter-email), Feb 0, Mar 400 (spring-search); new customers 3, 1, 3.
      // Jan 150/3 = 50; Feb 0/1 = 0; Mar 400/3. Range 550/7. Previous 30 (12-20) / 3 = 10.
      // Change (550/7 − 10) ÷ 10 = 48/7.
      expect(await metrics.metric('cac', await query())).toEqual(metric(550 / 7, 10, 48 / 7, months(50, 0, 400 / 3)));
      // Campaign winter-email: spend 150 over its first-touch customers c04, c05 (both January) = 75;
      // Feb and Mar: 0 spend over 0 customers = null; previous: 30 over 0 = null.
      expect(await metrics.metric('cac', await filtered({ campaign: 'winter-email' }))).toEqual(
        metric(75, null, null, months(75, null, null)),
      );
      // Channel paid_search: spring-search's 400 over c06 = 400.
      expect(await totalOf(metrics.metric('cac', await filtered({ channel: 'paid_search' })))).toBe(400);
    });

    it('sums the values of purchases as sales', async () => {
      const metrics = server.services.metrics;
      // Jan: c05 40 + c03 150 + c04 120 = 310; Feb: c09 70; Mar: c07 90 + c06 300 + c04 60 + c01 80 (win-back) = 530.
      // Total 310 + 70 + 530 = 910. Previous: c01 100 + c02 50 + c03 200 = 350. Change (910 − 350) ÷ 350 = 1.6.
      expect(await metrics.metric('sales', await query())).toEqual(metric(910, 350, 1.6, months(310, 70, 530)));
      // Channel web (the purchase's): c03 150 + c04 120 + c04 60 + c06 300 = 630. Campaign winter-email: c05 40.
      expect(await totalOf(metrics.metric('sales', await filtered({ channel: 'web' })))).toBe(630);
      expect(await totalOf(metrics.metric('sales', await filtered({ campaign: 'winter-email' })))).toBe(40);
      // Segment pro: c03 150 + c04 180 + c09 70 + c06 300 = 700.
      expect(await totalOf(metrics.metric('sales', await filtered(pro())))).toBe(700);
    });

    it('gives sales growth against the period before, each bucket against the period of its length before it', async () => {
      // Range: (910 − 350) ÷ 350 = 1.6.
      // Jan (31 days) against Dec 1–31: (310 − 200) ÷ 200 = 0.55.
      // Feb (28 days) against Jan 4–31: (70 − 310) ÷ 310 = −24/31.
      // Mar (31 days) against Jan 29–Feb 28: (530 − 70) ÷ 70 = 46/7.
      expect(await server.services.metrics.metric('salesGrowth', await query())).toEqual(
        metric(1.6, null, null, months(0.55, -24 / 31, 46 / 7)),
      );
    });

    it('gives spend, new customers, CAC, attributed revenue and ROI per campaign', async () => {
      const metrics = server.services.metrics;
      // spring-search: spend 400; first touch c06 → CAC 400; revenue c06 300; ROI (300 − 400) ÷ 400 = −0.25.
      // winter-email: spend 150; c04, c05 → CAC 75; revenue c04 120 + 60, c05 40 = 220; ROI (220 − 150) ÷ 150 = 7/15.
      expect(await metrics.metric('campaigns', await query())).toEqual([
        { campaign: 'spring-search', channel: 'paid_search', spend: 400, newCustomers: 1, cac: 400, attributedRevenue: 300, roi: -0.25 },
        { campaign: 'winter-email', channel: 'email', spend: 150, newCustomers: 2, cac: 75, attributedRevenue: 220, roi: close(7 / 15) },
      ]);
      // Acquiring touch: spring-search also gets c07 (purchase 90): CAC 400/2 = 200; revenue 390; ROI (390 − 400) ÷ 400 = −0.025.
      const acquiring = await metrics.metric('campaigns', await query({ attribution: Attribution.ACQUIRING_TOUCH }));
      expect(acquiring[0]).toEqual({
        campaign: 'spring-search',
        channel: 'paid_search',
        spend: 400,
        newCustomers: 2,
        cac: 200,
        attributedRevenue: 390,
        roi: close(-0.025),
      });
      // Filters pick rows: campaign winter-email, or the campaigns of channel paid_search.
      expect((await metrics.metric('campaigns', await filtered({ campaign: 'winter-email' }))).map((row) => row.campaign)).toEqual([
        'winter-email',
      ]);
      expect((await metrics.metric('campaigns', await filtered({ channel: 'paid_search' }))).map((row) => row.campaign)).toEqual([
        'spring-search',
      ]);
    });

    it('with a segment filter, credits each campaign with the segment’s customers only', async () => {
      // Segment pro: winter-email credits only c04 (c05 is free): CAC 150, revenue 180, ROI (180 − 150) ÷ 150 = 0.2;
      // spring-search credits c06 (pro): unchanged.
      expect(await server.services.metrics.metric('campaigns', await filtered(pro()))).toEqual([
        { campaign: 'spring-search', channel: 'paid_search', spend: 400, newCustomers: 1, cac: 400, attributedRevenue: 300, roi: -0.25 },
        { campaign: 'winter-email', channel: 'email', spend: 150, newCustomers: 1, cac: 150, attributedRevenue: 180, roi: close(0.2) },
      ]);
    });

    it('gives spend, new customers and CAC per channel', async () => {
      const metrics = server.services.metrics;
      // First touch: email c04, c05 (spend 150 → 75); paid_search c06 (400 → 400); social c09 (no spend → 0);
      // web c08, c07, c12 (no spend → 0).
      expect(await metrics.metric('channels', await query())).toEqual([
        { channel: 'email', spend: 150, newCustomers: 2, cac: 75 },
        { channel: 'paid_search', spend: 400, newCustomers: 1, cac: 400 },
        { channel: 'social', spend: 0, newCustomers: 1, cac: 0 },
        { channel: 'web', spend: 0, newCustomers: 3, cac: 0 },
      ]);
      // Acquiring touch: c07 moves from web to paid_search (400/2 = 200).
      expect(await metrics.metric('channels', await query({ attribution: Attribution.ACQUIRING_TOUCH }))).toEqual([
        { channel: 'email', spend: 150, newCustomers: 2, cac: 75 },
        { channel: 'paid_search', spend: 400, newCustomers: 2, cac: 200 },
        { channel: 'social', spend: 0, newCustomers: 1, cac: 0 },
        { channel: 'web', spend: 0, newCustomers: 2, cac: 0 },
      ]);
      // Segment pro: c04 (email), c06 (paid_search), c09 (social); spend is the channel's whole spend.
      expect(await metrics.metric('channels', await filtered(pro()))).toEqual([
        { channel: 'email', spend: 150, newCustomers: 1, cac: 150 },
        { channel: 'paid_search', spend: 400, newCustomers: 1, cac: 400 },
        { channel: 'social', spend: 0, newCustomers: 1, cac: 0 },
      ]);
    });
  });

  describe('engagement', () => {
    it('gives the engagement rate: engaged customers over customers in the lifecycle at the end of the window', async () => {
      const metrics = server.services.metrics;
      // Engaged (an engagement-type touchpoint; not page_view, purchase, signup or mention):
      //   Jan: c04 login, c08 survey, c03 feedback, c11 social_engagement = 4;
      //   Feb: c11, c08, c03, c04, c10, c07 = 6; Mar: c09, c11, c06, c03, c04, c07, c08 = 7;
      //   range: c03, c04, c06, c07, c08, c09, c10, c11 = 8 (c01, c02, c05, c12 did not engage).
      // In the lifecycle (any stage but churned) at the end: Jan 9 (all 9 known so far); Feb 10 − c01 churned = 9;
      //   Mar 12 − c02 churned = 11. Previous: engaged c01, c02 over c01, c02, c03 = 2/3.
      // Range 8/11; change (8/11 − 2/3) ÷ (2/3) = 1/11.
      expect(await metrics.metric('engagementRate', await query())).toEqual(metric(8 / 11, 2 / 3, 1 / 11, months(4 / 9, 6 / 9, 7 / 11)));
      // Segment pro: engaged c03, c04, c06, c09 over the same four in the lifecycle = 1.
      expect(await totalOf(metrics.metric('engagementRate', await filtered(pro())))).toBe(1);
    });

    it('a channel filter takes engaged customers by touchpoint but the lifecycle by acquisition', async () => {
      // A customer ratio filters both sides by acquisition. First touch email: c02 (churned), c04, c05; in the lifecycle
      // at the end c04, c05; engaged c04 (login, feedback, referral) = 1/2 (not the engagement touchpoints sent through
      // email, of which there are none).
      expect(await totalOf(server.services.metrics.metric('engagementRate', await filtered({ channel: 'email' })))).toBe(0.5);
    });

    it('counts active customers, with DAU, WAU and MAU', async () => {
      const metrics = server.services.metrics;
      // Active (any touchpoint): Jan c03, c04, c05, c08, c09, c10, c11 = 7; Feb c03, c04, c07, c08, c09, c10, c11 = 7;
      // Mar c01, c03, c04, c06, c07, c08, c09, c10, c11, c12 = 10; range: all but c02 = 11. Previous c01, c02, c03 = 3.
      // DAU: active customer-days in the range ÷ 90 days: c01 2, c03 5, c04 7, c05 2, c06 4, c07 5, c08 6, c09 3,
      //   c10 4, c11 4, c12 2 = 44 → 44/90.
      // WAU, Mar 25–31: c01 = 1. MAU, Mar 2–31: the ten of March but c09 (last seen 03-01) = 9.
      expect(await metrics.metric('activeCustomers', await query())).toEqual({
        ...metric(11, 3, 8 / 3, months(7, 7, 10)),
        dau: close(44 / 90),
        wau: 1,
        mau: 9,
      });
      // Channel social (the touchpoint's): c09, c10, c11, c12 = 4.
      expect(await totalOf(metrics.metric('activeCustomers', await filtered({ channel: 'social' })))).toBe(4);
    });

    it('averages every feedback score as CSAT, with the distribution', async () => {
      const metrics = server.services.metrics;
      // Jan: c03 4; Feb: c08 5, c04 4 → 4.5; Mar: c09 2. c10's score 7 is outside 1–5 and does not count.
      // Range (4 + 5 + 4 + 2) ÷ 4 = 3.75; previous c02 1; change (3.75 − 1) ÷ 1 = 2.75.
      expect(await metrics.metric('csat', await query())).toEqual({
        ...metric(3.75, 1, 2.75, months(4, 4.5, 2)),
        responses: 4,
        distribution: [
          { score: 2, responses: 1 },
          { score: 4, responses: 2 },
          { score: 5, responses: 1 },
        ],
      });
      // Segment pro: c03 4, c04 4, c09 2 → 10/3.
      expect(await metrics.metric('csat', await filtered(pro()))).toMatchObject({ total: close(10 / 3), responses: 3 });
    });
  });

  describe('retention', () => {
    it('gives CRR = (E − N) ÷ S', async () => {
      const metrics = server.services.metrics;
      // Customer stages: acquisition … advocacy and at-risk.
      // Jan: S (Jan 1) = c01 at-risk, c02, c03 = 3; E (end of Jan) = c05, c08, c04, c03, c01, c02 = 6; N = 3 → (6 − 3)/3 = 1.
      // Feb: S = 6; E = c05, c09, c04, c08, c03, c02 = 6 (c01 churned); N = 1 (c09) → 5/6.
      // Mar: S = 6; E = c07, c09, c12, c06, c08, c01 (won back), c03, c04, c05 = 9; N = 3 → (9 − 3)/6 = 1.
      // Range: S = 3, E = 9, N = 7 → 2/3 (c01 and c03 kept, c02 lost). Previous: S on 2025-10-03 = 0 → null.
      expect(await metrics.metric('retentionRate', await query())).toEqual(metric(2 / 3, null, null, months(1, 5 / 6, 1)));
      // Segment pro: S = c03; E = c03, c04, c06, c09; N = c04, c06, c09 → (4 − 3)/1 = 1.
      expect(await totalOf(metrics.metric('retentionRate', await filtered(pro())))).toBe(1);
      // First touch web: S = c01; E = c01, c07, c08, c12; N = c07, c08, c12 → (4 − 3)/1 = 1.
      expect(await totalOf(metrics.metric('retentionRate', await filtered({ channel: 'web' })))).toBe(1);
    });

    it('gives the churn rate: moves to churned over customers at the start', async () => {
      const metrics = server.services.metrics;
      // Churned: c01 02-17, c02 03-03. Jan 0/3; Feb 1/6; Mar 1/6; range 2/3; previous 0/0 = null.
      expect(await metrics.metric('churnRate', await query())).toEqual(metric(2 / 3, null, null, months(0, 1 / 6, 1 / 6)));
      // First touch email: S = c02; churned c02 → 1/1.
      expect(await totalOf(metrics.metric('churnRate', await filtered({ channel: 'email' })))).toBe(1);
    });

    it('gives historical CLV: sales to date over customers acquired to date', async () => {
      const metrics = server.services.metrics;
      // End of Jan: (350 + 310) ÷ 6 = 110; Feb: (660 + 70) ÷ 7 = 730/7; Mar: (730 + 530) ÷ 10 = 126 = range.
      // Previous (to Dec 31): 350 ÷ 3. Change 126 ÷ (350/3) − 1 = 0.08.
      expect(await metrics.metric('historicalClv', await query())).toEqual(metric(126, 350 / 3, 0.08, months(110, 730 / 7, 126)));
      // Segment pro: (c03 350 + c04 180 + c06 300 + c09 70) ÷ 4 = 225.
      expect(await totalOf(metrics.metric('historicalClv', await filtered(pro())))).toBe(225);
    });

    it('with a channel filter, divides the purchases of the customers acquired through it by their number', async () => {
      // First touch email: c02, c04, c05; their purchases c02 50 + c04 180 + c05 40 = 270 → 270/3 = 90.
      // (Not the purchases made through email, c05 40 + c01 80 = 120: CLV is about the customers.)
      expect(await totalOf(server.services.metrics.metric('historicalClv', await filtered({ channel: 'email' })))).toBe(90);
    });

    it('gives the repeat purchase rate to date', async () => {
      const metrics = server.services.metrics;
      // Buyers by end of Jan: c01, c02, c03, c04, c05 = 5, repeat c03 → 1/5; Feb + c09 → 1/6;
      // Mar + c06, c07, repeat + c04, c01 (win-back) → 3/8. Previous: 0/3 = 0, so no change (null).
      expect(await metrics.metric('repeatPurchaseRate', await query())).toEqual(metric(3 / 8, 0, null, months(1 / 5, 1 / 6, 3 / 8)));
      // Segment pro: c03 and c04 of c03, c04, c06, c09 → 1/2.
      expect(await totalOf(metrics.metric('repeatPurchaseRate', await filtered(pro())))).toBe(0.5);
    });
  });

  describe('advocacy', () => {
    it("gives NPS from each customer's latest score in the window", async () => {
      const metrics = server.services.metrics;
      // Jan: c08 7 → 0 promoters, 1 passive → 0. Feb: c03 9, c07 10 → 100. Mar: c09 3, c07 5 → −100.
      // Range: c03 9 (promoter), c08 7 (passive), c07 5 (latest of 10 then 5: detractor), c09 3 (detractor)
      //   → 100 × (1 − 2) ÷ 4 = −25. Previous: c01 8, c02 2 → 100 × (0 − 1) ÷ 2 = −50. Change in points: +25.
      expect(await metrics.metric('nps', await query())).toEqual({
        ...metric(-25, -50, 25, months(0, 100, -100)),
        promoters: 1,
        passives: 1,
        detractors: 2,
        responses: 4,
        previousResponses: 2,
      });
      // Segment pro: c03 9, c09 3 → 100 × (1 − 1) ÷ 2 = 0.
      expect(await metrics.metric('nps', await filtered(pro()))).toMatchObject({ total: 0, promoters: 1, detractors: 1, responses: 2 });
    });

    it('gives the referral rate: referrers over active customers', async () => {
      // Jan 0/7; Feb c03 → 1/7; Mar c04 → 1/10; range 2/11; previous 0/3 = 0, so no change.
      expect(await server.services.metrics.metric('referralRate', await query())).toEqual(
        metric(2 / 11, 0, null, months(0, 1 / 7, 1 / 10)),
      );
    });
  });

  describe('the journey', () => {
    it('gives the funnel of the cohort that entered the lifecycle in the range', async () => {
      const metrics = server.services.metrics;
      // Cohort: c04, c05, c08, c10, c11, c09, c07, c06, c12 = 9. Furthest stage: awareness c10, c11; acquisition c05, c09,
      // c07, c12; engagement c08, c06; advocacy c04. Reached (that stage or later): 9, 7, 3, 1, 1.
      // Seconds from entry to acquisition: c12 0 (entered there), c06 1 d, c04 2 d, c08 2 d, c05 3 d,
      //   c09 13 d 10.5 h, c07 14 d → median 2 d = 172800.
      // To engagement: c06 2 d, c04 3 d, c08 26 d → 3 d = 259200. Retention c04 70 d = 6048000; advocacy c04 71 d = 6134400.
      expect(await metrics.metric('funnel', await query())).toEqual([
        { stage: 'awareness', reached: 9, conversionFromPrevious: null, medianSecondsToReach: 0 },
        { stage: 'acquisition', reached: 7, conversionFromPrevious: close(7 / 9), medianSecondsToReach: 172800 },
        { stage: 'engagement', reached: 3, conversionFromPrevious: close(3 / 7), medianSecondsToReach: 259200 },
        { stage: 'retention', reached: 1, conversionFromPrevious: close(1 / 3), medianSecondsToReach: 6048000 },
        { stage: 'advocacy', reached: 1, conversionFromPrevious: 1, medianSecondsToReach: 6134400 },
      ]);
      // Segment pro: c04 (advocacy), c09 (acquisition), c06 (engagement) → 3, 3, 2, 1, 1.
      expect((await metrics.metric('funnel', await filtered(pro()))).map((step) => step.reached)).toEqual([3, 3, 2, 1, 1]);
    });

    it('gives the median and p90 of stays that ended in the range, per stage', async () => {
      // awareness: c06 1 d, c04 2 d, c08 2 d, c05 3 d, c09 13 d 10.5 h (1161000 s), c07 14 d (1209600 s);
      //   median (172800 + 259200) ÷ 2 = 216000; p90 at 0.9 × 5 = 4.5: 1161000 + 0.5 × 48600 = 1185300.
      // acquisition: c04 1 d, c06 1 d, c08 24 d (2073600), c03 34 d (2937600), c05 60 d (5184000), c02 62 d 1 h (5360400);
      //   median (2073600 + 2937600) ÷ 2 = 2505600; p90 5184000 + 0.5 × 176400 = 5272200.
      // engagement: c04 Jan 7 → Mar 15 = 67 d = 5788800. retention: c04 1 d, c03 26 d (2246400): median 1166400,
      //   p90 86400 + 0.9 × 2160000 = 2030400. advocacy: none. at-risk: c01, c02 60 d each. churned: c01 31 d = 2678400.
      expect(await server.services.metrics.metric('timeInStage', await query())).toEqual([
        { stage: 'awareness', stays: 6, medianSeconds: 216000, p90Seconds: close(1185300) },
        { stage: 'acquisition', stays: 6, medianSeconds: 2505600, p90Seconds: close(5272200) },
        { stage: 'engagement', stays: 1, medianSeconds: 5788800, p90Seconds: 5788800 },
        { stage: 'retention', stays: 2, medianSeconds: 1166400, p90Seconds: close(2030400) },
        { stage: 'advocacy', stays: 0, medianSeconds: null, p90Seconds: null },
        { stage: 'at-risk', stays: 2, medianSeconds: 5184000, p90Seconds: 5184000 },
        { stage: 'churned', stays: 1, medianSeconds: 2678400, p90Seconds: 2678400 },
      ]);
    });

    it('counts customers per stage at the end of each bucket', async () => {
      const stages = (counts: number[]) =>
        ['awareness', 'acquisition', 'engagement', 'retention', 'advocacy', 'at-risk', 'churned'].map((stage, index) => ({
          stage,
          customers: counts[index],
        }));
      // End of Jan: awareness c09, c10, c11; acquisition c05, c08; engagement c04; retention c03; at-risk c01, c02.
      // End of Feb: awareness c07, c10, c11; acquisition c05, c09; engagement c04, c08; advocacy c03; at-risk c02; churned c01.
      // End of Mar: awareness c10, c11; acquisition c07, c09, c12; engagement c06, c08; retention c01; advocacy c03, c04;
      //   at-risk c05; churned c02.
      expect(await server.services.metrics.metric('stageDistribution', await query())).toEqual([
        { bucket: '2026-01-01', at: '2026-02-01', stages: stages([3, 2, 1, 1, 0, 2, 0]) },
        { bucket: '2026-02-01', at: '2026-03-01', stages: stages([3, 2, 2, 0, 1, 1, 1]) },
        { bucket: '2026-03-01', at: '2026-04-01', stages: stages([2, 3, 2, 1, 2, 1, 1]) },
      ]);
    });

    it('gives cohort retention: the share of each acquisition month’s cohort active in each later month', async () => {
      const metrics = server.services.metrics;
      // 2026-01 (c04, c05, c08): Jan all 3 → 1; Feb c04, c08 → 2/3; Mar c04, c08 → 2/3.
      // 2026-02 (c09): Feb 1, Mar 1. 2026-03 (c06, c07, c12): 1.
      expect(await metrics.metric('cohortRetention', await query())).toEqual([
        { cohort: '2026-01', customers: 3, retention: [1, close(2 / 3), close(2 / 3)] },
        { cohort: '2026-02', customers: 1, retention: [1, 1] },
        { cohort: '2026-03', customers: 3, retention: [1] },
      ]);
      // Segment pro: 2026-01 c04 (active every month), 2026-02 c09, 2026-03 c06.
      expect(await metrics.metric('cohortRetention', await filtered(pro()))).toEqual([
        { cohort: '2026-01', customers: 1, retention: [1, 1, 1] },
        { cohort: '2026-02', customers: 1, retention: [1, 1] },
        { cohort: '2026-03', customers: 1, retention: [1] },
      ]);
    });

    it('counts each cohort’s months up to the range’s last month across a year end', async () => {
      // Q4 2025: 2025-10 c01 (active in Oct only) → [1, 0, 0]; 2025-11 c02 (Nov only) → [1, 0]; 2025-12 c03 → [1].
      // The months run to December 2025, the range's last month (not to the day after the range, in 2026).
      expect(await server.services.metrics.metric('cohortRetention', await query({ from: '2025-10-01', to: '2025-12-31' }))).toEqual([
        { cohort: '2025-10', customers: 1, retention: [1, 0, 0] },
        { cohort: '2025-11', customers: 1, retention: [1, 0] },
        { cohort: '2025-12', customers: 1, retention: [1] },
      ]);
    });
  });

  describe('through GraphQL and the SQL views', () => {
    it('answers the same numbers over GraphQL, with the cursors they are exact up to', async () => {
      const response = await server.graphql<{
        metrics: {
          from: string;
          exactUpTo: { transitions: string; touchpoints: string };
          pageViews: MetricSeries;
          newCustomers: { total: number; previous: number };
          cac: { total: number; series: Array<{ value: number | null }> };
          nps: { total: number; promoters: number; passives: number; detractors: number; responses: number };
          funnel: Array<{ stage: string; reached: number }>;
          activeCustomers: { dau: number; wau: number; mau: number };
        };
      }>(
        `query ($range: DayRangeInput!) {
          metrics(range: $range, bucket: MONTH, compareToPrevious: true) {
            from exactUpTo { transitions touchpoints }
            pageViews { total previous change series { bucket value } }
            newCustomers { total previous }
            cac { total series { value } }
            nps { total promoters passives detractors responses }
            funnel { stage reached }
            activeCustomers { dau wau mau }
          }
        }`,
        { range: FIXTURE_RANGE },
      );
      expect(response.errors).toBeUndefined();
      const metrics = response.data!.metrics;
      expect(metrics.from).toBe('2026-01-01');
      expect(metrics.pageViews).toEqual(metric(11, 2, 4.5, months(5, 2, 4)));
      expect(metrics.newCustomers).toEqual({ total: 7, previous: 3 });
      expect(metrics.cac).toEqual({ total: close(550 / 7), series: [{ value: 50 }, { value: 0 }, { value: close(400 / 3) }] });
      expect(metrics.nps).toEqual({ total: -25, promoters: 1, passives: 1, detractors: 2, responses: 4 });
      expect(metrics.funnel.map((step) => step.reached)).toEqual([9, 7, 3, 1, 1]);
      expect(metrics.activeCustomers).toEqual({ dau: close(44 / 90), wau: 1, mau: 9 });

      // After catchUp the projection stands at the last row of each log.
      const [lastTransition] = await server.db.query<{ tx_id: string; id: string }>(
        `SELECT tx_id::text, id::text FROM stage_transitions ORDER BY tx_id DESC, id DESC LIMIT 1`,
      );
      const [lastTouchpoint] = await server.db.query<{ tx_id: string; id: string }>(
        `SELECT tx_id::text, id::text FROM touchpoints ORDER BY tx_id DESC, id DESC LIMIT 1`,
      );
      expect(decodeLogCursor(metrics.exactUpTo.transitions, 'after', 'stage_transitions').position).toEqual({
        txId: BigInt(lastTransition.tx_id),
        id: BigInt(lastTransition.id),
      });
      expect(decodeLogCursor(metrics.exactUpTo.touchpoints, 'after', 'touchpoints').position).toEqual({
        txId: BigInt(lastTouchpoint.tx_id),
        id: BigInt(lastTouchpoint.id),
      });
      // Each names its log, so neither is taken by the other's stream.
      expect(() => decodeLogCursor(metrics.exactUpTo.transitions, 'after', 'touchpoints')).toThrow(
        'after: a cursor of another stream (stage_transitions), not of touchpoints',
      );
    });

    it('filters over GraphQL by segment, channel and campaign', async () => {
      const response = await server.graphql<{
        a: { sales: { total: number } };
        b: { sales: { total: number } };
        c: { sales: { total: number } };
      }>(
        `query ($range: DayRangeInput!, $segment: String!) {
          a: metrics(range: $range, filter: { segment: $segment }) { sales { total } }
          b: metrics(range: $range, filter: { channel: "web" }) { sales { total } }
          c: metrics(range: $range, filter: { campaign: "winter-email" }) { sales { total } }
        }`,
        { range: FIXTURE_RANGE, segment: fixture.proSegment },
      );
      expect(response).toEqual({ data: { a: { sales: { total: 700 } }, b: { sales: { total: 630 } }, c: { sales: { total: 40 } } } });
    });

    it('gives the same numbers through the CSV export', async () => {
      const csv = async (query: string) => {
        const response = await fetch(`${server.httpUrl.replace(/\/graphql$/, '')}/api/metrics.csv?${query}`, {
          headers: { authorization: `Bearer ${server.adminKey}` },
        });
        expect(response.status).toBe(200);
        return (await response.text()).trim().split(/\r\n/);
      };
      // New customers per month: 3, 1, 3 (as newCustomers above); page views 5, 2, 4.
      expect(await csv('metric=newCustomers&from=2026-01-01&to=2026-03-31&bucket=MONTH')).toEqual([
        'bucket,value',
        '2026-01-01,3',
        '2026-02-01,1',
        '2026-03-01,3',
      ]);
      expect(await csv('metric=pageViews&from=2026-01-01&to=2026-03-31&bucket=MONTH')).toEqual([
        'bucket,value',
        '2026-01-01,5',
        '2026-02-01,2',
        '2026-03-01,4',
      ]);
      // The funnel's reached counts 9, 7, 3, 1, 1 (as above), one row per stage.
      const funnel = await csv('metric=funnel&from=2026-01-01&to=2026-03-31&bucket=MONTH');
      expect(funnel[0]).toBe('stage,reached,conversion_from_previous,median_seconds_to_reach');
      expect(funnel.slice(1).map((row) => row.split(',').slice(0, 2).join(','))).toEqual([
        'awareness,9',
        'acquisition,7',
        'engagement,3',
        'retention,1',
        'advocacy,1',
      ]);
    });

    it('gives the same numbers through the bi views', async () => {
      // Over the range: page views 11, purchases 8 worth 910, new customers 7 (as the metrics above).
      const [daily] = await server.db.query<Record<string, string>>(
        `SELECT sum(page_views)::text AS page_views, sum(purchases)::text AS purchases, sum(revenue)::text AS revenue,
                sum(new_customers)::text AS new_customers
           FROM bi.daily_metrics WHERE day BETWEEN '2026-01-01' AND '2026-03-31'`,
      );
      expect(daily).toEqual({ page_views: '11', purchases: '8', revenue: '910.0000', new_customers: '7' });
      // Stage counts at the end of 2026-03-31: the last point of the stage distribution.
      const stages = await server.db.query<{ stage: string; customers: string }>(
        `SELECT stage, customers::text FROM bi.daily_stage_counts WHERE day = '2026-03-31' AND customers <> 0 ORDER BY stage`,
      );
      expect(stages).toEqual([
        { stage: 'acquisition', customers: '3' },
        { stage: 'advocacy', customers: '2' },
        { stage: 'at-risk', customers: '1' },
        { stage: 'awareness', customers: '2' },
        { stage: 'churned', customers: '1' },
        { stage: 'engagement', customers: '2' },
        { stage: 'retention', customers: '1' },
      ]);
      // Customers acquired in the range by acquiring channel: as channels() with ACQUIRING_TOUCH.
      const channels = await server.db.query<{ channel: string; customers: string }>(
        `SELECT acquisition_channel AS channel, count(*)::text AS customers FROM bi.customers
          WHERE acquired_at >= '2026-01-01' AND acquired_at < '2026-04-01' GROUP BY 1 ORDER BY 1`,
      );
      expect(channels).toEqual([
        { channel: 'email', customers: '2' },
        { channel: 'paid_search', customers: '2' },
        { channel: 'social', customers: '1' },
        { channel: 'web', customers: '2' },
      ]);
    });
  });

  describe('erasure (runs last: it deletes a customer)', () => {
    it('takes a deleted customer out of the stage counts on the day of deletion and keeps the history in the aggregates', async () => {
      const metrics = server.services.metrics;
      expect(await server.services.customers.delete(fixture.ids.c11)).toBe(true);
      await server.services.projector.catchUp();
      const [{ today }] = await server.db.query<{ today: string }>(
        `SELECT to_char((now() AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS today`,
      );
      const distribution = await metrics.metric('stageDistribution', await query({ from: '2026-03-31', to: today }));
      const awareness = (point: (typeof distribution)[number]) => point.stages.find((stage) => stage.stage === 'awareness')?.customers;
      // End of March: c10 and c11 still (history); at the end of today: c10 only.
      expect(awareness(distribution[0])).toBe(2);
      expect(awareness(distribution[distribution.length - 1])).toBe(1);
      // c11's shares and engagement stay in the touchpoint aggregates.
      expect(await totalOf(metrics.metric('socialShares', await query()))).toBe(2);
      expect(await totalOf(metrics.metric('socialEngagements', await query()))).toBe(2);
    });

    it('per-campaign figures keep a deleted customer’s acquisition, like CAC and new customers', async () => {
      const metrics = server.services.metrics;
      expect(await server.services.customers.delete(fixture.ids.c05)).toBe(true);
      await server.services.projector.catchUp();
      // The aggregates keep c05's acquisition: winter-email still has c04 and c05, CAC 150/2 = 75.
      expect(await totalOf(metrics.metric('newCustomers', await filtered({ campaign: 'winter-email' })))).toBe(2);
      expect(await totalOf(metrics.metric('cac', await filtered({ campaign: 'winter-email' })))).toBe(75);
      // campaigns() counts new customers from the same rollup, so it agrees.
      expect(await metrics.metric('campaigns', await filtered({ campaign: 'winter-email' }))).toMatchObject([{ newCustomers: 2, cac: 75 }]);
      // Unfiltered, new customers are a count by day, whatever the attribution: c05 (acquired 01-08) still counts,
      // 3, 1, 3 → 7 as before the deletion; previous 3; change 4/3. CAC likewise: 550/7.
      for (const attribution of [Attribution.FIRST_TOUCH, Attribution.ACQUIRING_TOUCH, Attribution.LAST_TOUCH]) {
        expect(await metrics.metric('newCustomers', await query({ attribution }))).toEqual(metric(7, 3, 4 / 3, months(3, 1, 3)));
        expect(await totalOf(metrics.metric('cac', await query({ attribution })))).toBe(550 / 7);
      }
    });
  });
});
