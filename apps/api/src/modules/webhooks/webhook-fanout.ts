import type { UnitOfWork } from '../../database/db';
import { sql } from '../../database/sql';
import type { SqlFragment } from '../../database/sql';
import type { LogRange, Projector } from '../../log';
import { CUSTOMERS_TABLE } from '../customers';
import { SEGMENT_MEMBERS_TABLE } from '../segments';
import type { WebhookEventSource, WebhookSources } from './webhook-source';

/** The consumer's name in projection_positions (one row per source log). */
export const WEBHOOKS_PROJECTION = 'webhooks';

/** A timestamp as the payload writes it: ISO 8601 in UTC with milliseconds. */
export function isoTimestamp(column: SqlFragment): SqlFragment {
  return sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** The customer's current record in a payload (the fields the GraphQL Customer type has), from `customers` aliased `c`; null once deleted. */
const CUSTOMER_JSON = sql`CASE WHEN c.id IS NULL THEN NULL ELSE jsonb_build_object(
  'id', c.id, 'externalId', c.external_id, 'email', c.email, 'name', c.name, 'attributes', c.attributes,
  'stage', c.stage, 'stageEnteredAt', ${isoTimestamp(sql`c.stage_entered_at`)},
  'firstSeenAt', ${isoTimestamp(sql`c.first_seen_at`)}, 'lastSeenAt', ${isoTimestamp(sql`c.last_seen_at`)},
  'orders', c.orders, 'revenue', c.revenue, 'createdAt', ${isoTimestamp(sql`c.created_at`)}) END`;

/**
 * The webhook consumer: follows every registered source from its stored
 * position and, in the step's transaction (the Projector's: exactly once),
 * writes one message per event some endpoint wants and one delivery per such
 * endpoint, in log order (a delivery's id is its place in its customer's
 * queue). The body is written once, with the customer's record as of the
 * step, and sent unchanged on every attempt. Endpoints disabled at the time
 * get their delivery as `skipped`, so a replay can send it later.
 */
export class WebhookFanOut {
  constructor(
    private readonly sources: WebhookSources,
    /** Deliveries were queued (called after the step commits). */
    private readonly onQueued: () => void,
  ) {}

  /** Follows every registered source with `projector`. */
  register(projector: Projector): void {
    for (const source of this.sources.list())
      projector.followRange(WEBHOOKS_PROJECTION, source.log, (uow, range) => this.apply(uow, source, range));
  }

  /** Queues the deliveries of one stretch of one source. */
  async apply(uow: UnitOfWork, source: WebhookEventSource, range: LogRange): Promise<void> {
    const [{ any }] = await uow.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM webhook_endpoints) AS any`);
    if (!any) return;
    const queued = await uow.execute(fanOutStatement(source, range));
    if (queued > 0) uow.afterCommit(this.onQueued);
  }
}

/** One statement: the stretch's events, the endpoints each matches, their messages and deliveries. */
function fanOutStatement(source: WebhookEventSource, range: LogRange): SqlFragment {
  return sql`
    WITH events AS MATERIALIZED (${source.events(range)}),
    matched AS MATERIALIZED (
      SELECT ev.log_tx_id, ev.log_id, ev.event_type, ev.customer_id, ep.id AS endpoint_id, ep.disabled_at IS NOT NULL AS disabled
        FROM events ev
        LEFT JOIN ${sql.raw(CUSTOMERS_TABLE)} c ON c.id = ev.customer_id
        JOIN webhook_endpoints ep
          ON ev.event_type = ANY (ep.event_types) AND ev.log_tx_id >= ep.from_tx_id
         AND (ep.filter_stages IS NULL OR coalesce(ev.stage, c.stage) = ANY (ep.filter_stages))
         AND (ep.filter_segments IS NULL OR CASE
               WHEN ev.segment_id IS NOT NULL THEN ev.segment_id = ANY (ep.filter_segments)
               ELSE EXISTS (SELECT 1 FROM ${sql.raw(SEGMENT_MEMBERS_TABLE)} m
                             WHERE m.customer_id = ev.customer_id AND m.segment_id = ANY (ep.filter_segments)) END)
    ),
    messages AS (
      INSERT INTO webhook_messages (webhook_id, event_type, customer_id, source, log_tx_id, log_id, body)
      SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), ev.event_type, ev.customer_id, ${source.log.name}::text,
             ev.log_tx_id, ev.log_id,
             jsonb_build_object('type', ev.event_type, 'timestamp', ${isoTimestamp(sql`ev.occurred_at`)},
                                'data', ev.data || jsonb_build_object('customerId', ev.customer_id, 'customer', ${CUSTOMER_JSON}))::text
        FROM events ev
        LEFT JOIN ${sql.raw(CUSTOMERS_TABLE)} c ON c.id = ev.customer_id
       WHERE EXISTS (SELECT 1 FROM matched m WHERE m.log_tx_id = ev.log_tx_id AND m.log_id = ev.log_id AND m.event_type = ev.event_type)
       ORDER BY ev.log_tx_id, ev.log_id, ev.event_type
      RETURNING id, log_tx_id, log_id, event_type
    )
    INSERT INTO webhook_deliveries (endpoint_id, message_id, customer_id, state, next_attempt_at, last_error)
    SELECT m.endpoint_id, msg.id, m.customer_id,
           CASE WHEN m.disabled THEN 'skipped' ELSE 'pending' END,
           CASE WHEN m.disabled THEN NULL ELSE now() END,
           CASE WHEN m.disabled THEN 'the endpoint was disabled when the event happened' END
      FROM matched m
      JOIN messages msg ON msg.log_tx_id = m.log_tx_id AND msg.log_id = m.log_id AND msg.event_type = m.event_type
     ORDER BY m.log_tx_id, m.log_id, m.event_type, m.endpoint_id`;
}
