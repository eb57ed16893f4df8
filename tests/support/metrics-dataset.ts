import type { GraphQLHttpClient } from './graphql-http';

/**
 * A small business for the Metrics and Cohorts pages (classic model), all in
 * Q1 2026: m1 acquired 01-06 and buys 100 on 01-10; m2 acquired 02-02, buys 50
 * on 02-03; m3 acquired 02-11; m4 only visits (03-01); m5 acquired 03-06, buys
 * 30 and 20 (03-07, 03-20); m6 visits 03-09 and answers a survey with 9 on 03-10.
 * Range 2026-01-01..2026-03-31: 4 new customers, sales 200.
 * Range 2026-02-01..2026-03-31: 3 new customers, sales 100.
 */
const EVENTS: Array<[string, string, string, number?]> = [
  ['m1', '2026-01-05', 'page_view'],
  ['m1', '2026-01-06', 'signup'],
  ['m1', '2026-01-10', 'purchase', 100],
  ['m2', '2026-01-20', 'page_view'],
  ['m2', '2026-02-02', 'signup'],
  ['m2', '2026-02-03', 'purchase', 50],
  ['m3', '2026-02-10', 'page_view'],
  ['m3', '2026-02-11', 'signup'],
  ['m4', '2026-03-01', 'page_view'],
  ['m5', '2026-03-05', 'page_view'],
  ['m5', '2026-03-06', 'signup'],
  ['m5', '2026-03-07', 'purchase', 30],
  ['m5', '2026-03-20', 'purchase', 20],
  ['m6', '2026-03-09', 'page_view'],
  ['m6', '2026-03-10', 'survey_response'],
];

export async function loadMetricsDataset(admin: GraphQLHttpClient): Promise<void> {
  await admin.data(`mutation ($t: [TouchpointInput!]!) { recordTouchpoints(touchpoints: $t) { accepted } }`, {
    t: EVENTS.map(([customer, day, type, value], index) => ({
      messageId: `metrics-${index}`,
      customer: { externalId: customer, name: customer.toUpperCase() },
      type,
      channel: 'web',
      occurredAt: `${day}T10:00:00Z`,
      value: value ?? null,
      properties: type === 'survey_response' ? { score: 9 } : {},
    })),
  });
}

/** Waits until the metrics projection has applied the dataset (new customers over Q1 = 4). */
export async function waitForMetrics(admin: GraphQLHttpClient, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const data = await admin.data<{ metrics: { newCustomers: { total: number | null }; sales: { total: number | null } } }>(
      `{ metrics(range: {from: "2026-01-01", to: "2026-03-31"}) { newCustomers { total } sales { total } } }`,
    );
    if (data.metrics.newCustomers.total === 4 && data.metrics.sales.total === 200) return;
    if (Date.now() > deadline) throw new Error(`metrics not caught up: ${JSON.stringify(data)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const known = (value: number | null): value is number => typeof value === 'number' && Number.isFinite(value);

/** The dashboard's formats (components/format.ts), in the browser's en-US locale. */
export const pageFormat = {
  count: (value: number | null) => (known(value) ? new Intl.NumberFormat('en-US').format(value) : '—'),
  decimal: (value: number | null) => (known(value) ? new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 }).format(value) : '—'),
  percent: (value: number | null) =>
    known(value) ? new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 }).format(value) : '—',
  money: (value: number | null) =>
    known(value) ? new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(value) : '—',
};
