import { chunk } from '../shared/stats.js';
import type { WorkloadRow } from '../ingest/workload.js';

/*
 * The ingest workload written twice: as Segment messages for /v1/batch, and
 * as the recordTouchpoints items that store exactly what /v1 stores for them
 * (clm's default mapping: Order Completed → purchase with revenue and
 * currency, the UTM medium → channel, the event name and context kept in the
 * properties). The benchmark checks afterwards that both paths stored the same
 * rows.
 */

/** The Segment event name whose default mapping gives each workload type. */
const EVENT_OF: Record<string, string> = {
  email_open: 'Email Opened',
  email_click: 'Email Link Clicked',
  login: 'Login',
  purchase: 'Order Completed',
  signup: 'Signed Up',
  review: 'Product Reviewed',
  survey_response: 'NPS Submitted',
  referral: 'Referral Sent',
};

/** A prepared request: how many items and its serialised body. */
export type PreparedBatch = { index: number; size: number; body: string };

function campaignContext(row: WorkloadRow): Record<string, unknown> | null {
  if (row.channel === 'web' && row.campaign === null) return null;
  return {
    campaign: { ...(row.channel === 'web' ? {} : { medium: row.channel }), ...(row.campaign === null ? {} : { name: row.campaign }) },
  };
}

/** The properties /v1 stores for a row's message. */
function storedProperties(row: WorkloadRow): Record<string, unknown> {
  const context = campaignContext(row);
  const properties: Record<string, unknown> =
    row.type === 'page_view'
      ? { ...row.properties, name: row.properties.page }
      : {
          ...row.properties,
          ...(row.type === 'purchase' ? { revenue: row.value, currency: row.currency } : {}),
          event: EVENT_OF[row.type],
        };
  if (context !== null) properties.context = context;
  return properties;
}

/** The Segment message of a row. */
export function segmentMessage(row: WorkloadRow): Record<string, unknown> {
  const context = campaignContext(row);
  const common = { messageId: row.messageId, userId: row.externalId, timestamp: row.occurredAt, ...(context === null ? {} : { context }) };
  if (row.type === 'page_view') return { type: 'page', ...common, name: row.properties.page, properties: row.properties };
  const event = EVENT_OF[row.type];
  if (event === undefined) throw new Error(`no Segment event for type ${row.type}`);
  const properties = row.type === 'purchase' ? { ...row.properties, revenue: row.value, currency: row.currency } : row.properties;
  return { type: 'track', ...common, event, properties };
}

/** The recordTouchpoints item that stores what /v1 stores for the row. */
export function equivalentTouchpoint(row: WorkloadRow): Record<string, unknown> {
  return {
    messageId: row.messageId,
    customer: { externalId: row.externalId },
    type: row.type,
    channel: row.channel,
    occurredAt: row.occurredAt,
    ...(row.value === null ? {} : { value: row.value }),
    ...(row.currency === null ? {} : { currency: row.currency }),
    ...(row.campaign === null ? {} : { campaign: row.campaign }),
    properties: storedProperties(row),
  };
}

const RECORD = `mutation Record($touchpoints: [TouchpointInput!]!) {
  recordTouchpoints(touchpoints: $touchpoints) { accepted duplicates rejected results { index status messageId error { field message } } }
}`;

export function graphqlBatches(rows: readonly WorkloadRow[], size: number): PreparedBatch[] {
  return chunk(rows, size).map((items, index) => ({
    index,
    size: items.length,
    body: JSON.stringify({ query: RECORD, variables: { touchpoints: items.map(equivalentTouchpoint) } }),
  }));
}

export function segmentBatches(rows: readonly WorkloadRow[], size: number): PreparedBatch[] {
  return chunk(rows, size).map((items, index) => ({
    index,
    size: items.length,
    body: JSON.stringify({ batch: items.map(segmentMessage) }),
  }));
}
