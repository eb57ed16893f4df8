import { createRandom, pick, weighted } from '../shared/prng.js';
import type { Random } from '../shared/prng.js';
import { chunk } from '../shared/stats.js';
import { CAMPAIGN_KEYS as CAMPAIGNS, CURRENCIES, PAGES } from '../shared/vocabulary.js';

/** One touchpoint of the ingest workload, as both the API and the COPY baseline receive it. */
export type WorkloadRow = {
  messageId: string;
  externalId: string;
  type: string;
  channel: string;
  occurredAt: string;
  value: number | null;
  currency: string | null;
  campaign: string | null;
  properties: Record<string, string | number>;
};

/** A batch: its rows and the serialised `recordTouchpoints` request body. */
export type Batch = { index: number; size: number; rows: WorkloadRow[]; body: string };

/** Touchpoint types with their weights. */
export const TYPES: ReadonlyArray<readonly [string, number]> = [
  ['page_view', 30],
  ['email_open', 16],
  ['login', 14],
  ['purchase', 10],
  ['email_click', 8],
  ['signup', 5],
  ['review', 4],
  ['survey_response', 4],
  ['referral', 2],
];
const chooseType = weighted(TYPES);
const YEAR_START = Date.UTC(2026, 0, 1);
// Fixed (not "now") so the workload is the same on every run; the API refuses times more than a day ahead.
const YEAR_END = Date.UTC(2026, 9, 31);

export type WorkloadSpec = { count: number; customers: number; seed: number; messagePrefix: string; customerPrefix: string };

/**
 * `count` touchpoints over `customers` customers: every customer appears at
 * least once, the rest are skewed towards some heavier customers, all
 * shuffled; occurredAt strictly increasing over [YEAR_START, YEAR_END).
 */
export function makeWorkload(spec: WorkloadSpec): WorkloadRow[] {
  const random = createRandom(spec.seed);
  const slots = customerSlots(random, spec.count, spec.customers);
  const step = (YEAR_END - YEAR_START) / spec.count;
  const rows = new Array<WorkloadRow>(spec.count);
  for (let k = 0; k < spec.count; k++) {
    const type = chooseType(random);
    const row: WorkloadRow = {
      messageId: `${spec.messagePrefix}-${String(k).padStart(7, '0')}`,
      externalId: `${spec.customerPrefix}-${String(slots[k] + 1).padStart(6, '0')}`,
      type,
      channel: 'web',
      occurredAt: new Date(Math.floor(YEAR_START + (k + random() * 0.9) * step)).toISOString(),
      value: null,
      currency: null,
      campaign: null,
      properties: {},
    };
    fillDetails(random, row);
    rows[k] = row;
  }
  return rows;
}

/** Which customer each touchpoint belongs to: 0…customers-1 once each, then skewed draws, shuffled. */
function customerSlots(random: Random, count: number, customers: number): Int32Array {
  const slots = new Int32Array(count);
  for (let i = 0; i < count; i++) slots[i] = i < customers ? i : Math.floor(customers * random() ** 1.7);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [slots[i], slots[j]] = [slots[j], slots[i]];
  }
  return slots;
}

/** Channel, value, campaign and properties by type. */
function fillDetails(random: Random, row: WorkloadRow): void {
  switch (row.type) {
    case 'page_view':
      row.channel = random() < 0.8 ? 'web' : 'mobile';
      row.properties = { page: pick(random, PAGES) };
      break;
    case 'email_open':
    case 'email_click':
      row.channel = 'email';
      row.campaign = pick(random, CAMPAIGNS);
      if (row.type === 'email_click') row.properties = { link: pick(random, ['cta', 'footer', 'hero']) };
      break;
    case 'login':
      row.channel = random() < 0.6 ? 'web' : 'app';
      break;
    case 'signup':
      row.channel = random() < 0.7 ? 'web' : 'ads';
      if (row.channel === 'ads') row.campaign = pick(random, CAMPAIGNS);
      break;
    case 'purchase':
      row.channel = pick(random, ['web', 'web', 'app', 'sales']);
      row.value = Math.round((9.99 + random() * 490) * 100) / 100;
      row.currency = pick(random, CURRENCIES);
      row.properties = { sku: `sku-${1 + Math.floor(random() * 300)}`, quantity: 1 + Math.floor(random() * 3) };
      break;
    case 'review':
      row.properties = { rating: 1 + Math.min(4, Math.floor(random() * 5.6)) };
      break;
    case 'survey_response':
      row.channel = 'email';
      row.properties = { score: Math.floor(random() * 11) };
      break;
    case 'referral':
      row.channel = 'referral';
      row.properties = { code: `ref-${Math.floor(random() * 1e6).toString(36)}` };
      break;
  }
}

const RECORD = `mutation Record($touchpoints: [TouchpointInput!]!) {
  recordTouchpoints(touchpoints: $touchpoints) { accepted duplicates rejected results { index status messageId error { field message } } }
}`;

/** The TouchpointInput of a row: optional fields only when set. */
function touchpointInput(row: WorkloadRow): Record<string, unknown> {
  const input: Record<string, unknown> = {
    messageId: row.messageId,
    customer: { externalId: row.externalId },
    type: row.type,
    channel: row.channel,
    occurredAt: row.occurredAt,
  };
  if (row.value !== null) input.value = row.value;
  if (row.currency !== null) input.currency = row.currency;
  if (row.campaign !== null) input.campaign = row.campaign;
  if (Object.keys(row.properties).length > 0) input.properties = row.properties;
  return input;
}

/** Batches of `size` rows with their request bodies, serialised before any timing. */
export function toBatches(rows: readonly WorkloadRow[], size: number): Batch[] {
  return chunk(rows, size).map((items, index) => ({
    index,
    size: items.length,
    rows: items,
    body: JSON.stringify({ query: RECORD, variables: { touchpoints: items.map(touchpointInput) } }),
  }));
}

/** How many rows of each type. */
export function typeMix(rows: readonly WorkloadRow[]): Record<string, number> {
  return Object.fromEntries(TYPES.map(([type]) => [type, rows.filter((row) => row.type === type).length]));
}
