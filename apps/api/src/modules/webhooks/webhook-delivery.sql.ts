import type { Queryable } from '../../database/db';
import { sql } from '../../database/sql';
import { SIGNING_SECRETS } from './webhook-endpoint.sql';
import { WebhookAttempt, WebhookDelivery } from './webhook.type';
import type { DeliveryState } from './webhook.type';

/**
 * The `webhook_messages`, `webhook_deliveries` and `webhook_attempts`
 * tables. A delivery moves pending → sending (claimed with a lease, in a
 * transaction of its own that ends before the HTTP call) → delivered, or
 * back to pending with its next try, or failed; `skipped` when its endpoint
 * was disabled. An outcome is recorded only while the lease is the
 * recorder's (same attempt number, still sending): a lease that ran out was
 * claimed again, and that attempt owns the delivery.
 */

export type DeliveryRow = {
  id: string;
  endpoint_id: string;
  webhook_id: string;
  event_type: string;
  customer_id: string | null;
  state: DeliveryState;
  attempts: number;
  next_attempt_at: Date | null;
  last_attempt_at: Date | null;
  last_status: number | null;
  last_error: string | null;
  last_duration_ms: number | null;
  delivered_at: Date | null;
  created_at: Date;
  body: string;
};

const COLUMNS = `d.id::text AS id, d.endpoint_id, m.webhook_id, m.event_type, d.customer_id, d.state, d.attempts, d.next_attempt_at,
  d.last_attempt_at, d.last_status, d.last_error, d.last_duration_ms, d.delivered_at, d.created_at, m.body`;

export function toDelivery(row: DeliveryRow): WebhookDelivery {
  return Object.assign(new WebhookDelivery(), {
    id: row.id,
    endpointId: row.endpoint_id,
    webhookId: row.webhook_id,
    eventType: row.event_type,
    customerId: row.customer_id,
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: row.state === 'pending' ? row.next_attempt_at : null,
    lastAttemptAt: row.last_attempt_at,
    lastStatus: row.last_status,
    lastError: row.last_error,
    lastDurationMs: row.last_duration_ms,
    deliveredAt: row.delivered_at,
    createdAt: row.created_at,
    payload: row.body,
  });
}

/** A delivery claimed for one attempt: what to send, where, signed with which secrets. */
export type ClaimedDelivery = {
  id: string;
  endpoint_id: string;
  url: string;
  secrets: string[];
  webhook_id: string;
  body: string;
  attempts: number;
  retries: boolean;
};

/**
 * Claims due deliveries: per enabled endpoint, up to `perEndpoint` minus
 * what this instance already has in flight there, oldest first, none whose
 * customer has an earlier delivery to the same endpoint still open (pending
 * or sending), at most `limit` in all. Each is marked sending with a lease
 * of `leaseMs` and its attempt counted. One statement; its transaction ends
 * before anything is sent.
 */
export function claimDue(
  db: Queryable,
  perEndpoint: number,
  busy: ReadonlyMap<string, number>,
  limit: number,
  leaseMs: number,
): Promise<ClaimedDelivery[]> {
  return db.query<ClaimedDelivery>(sql`
    WITH busy AS (SELECT * FROM unnest(${[...busy.keys()]}::uuid[], ${[...busy.values()]}::int[]) AS b (endpoint_id, in_flight)),
    claimed AS (
      SELECT due.id FROM webhook_endpoints ep
      CROSS JOIN LATERAL (
        SELECT d.id FROM webhook_deliveries d
         WHERE d.endpoint_id = ep.id AND d.state = 'pending' AND d.next_attempt_at <= now()
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries o
                            WHERE o.endpoint_id = d.endpoint_id AND o.customer_id = d.customer_id AND o.id < d.id
                              AND o.state IN ('pending', 'sending'))
         ORDER BY d.id
         LIMIT greatest(0, ${perEndpoint}::int - coalesce((SELECT b.in_flight FROM busy b WHERE b.endpoint_id = ep.id), 0))
         FOR UPDATE OF d SKIP LOCKED) due
      WHERE ep.disabled_at IS NULL
      LIMIT ${limit}::int)
    UPDATE webhook_deliveries w
       SET state = 'sending', attempts = w.attempts + 1, last_attempt_at = now(),
           lease_until = now() + make_interval(secs => ${leaseMs / 1000}::double precision)
      FROM claimed c, webhook_messages m, webhook_endpoints ep
     WHERE w.id = c.id AND m.id = w.message_id AND ep.id = w.endpoint_id
    RETURNING w.id::text AS id, w.endpoint_id, ep.url, ${SIGNING_SECRETS} AS secrets, m.webhook_id, m.body, w.attempts, w.retries`);
}

/** Deliveries whose lease ran out (the instance sending them died or lost the database) are due again; how many. */
export function releaseExpiredLeases(db: Queryable): Promise<number> {
  return db.execute(
    `UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = now(), lease_until = NULL,
            last_error = 'the attempt was interrupted (the sending instance stopped or lost the database)'
      WHERE state = 'sending' AND lease_until < now()`,
  );
}

/** When the dispatcher should look again: the earliest next try or lease end; null when nothing is pending or sending. */
export async function nextWake(db: Queryable): Promise<Date | null> {
  const [row] = await db.query<{ wake: Date | null }>(
    `SELECT least((SELECT min(next_attempt_at) FROM webhook_deliveries WHERE state = 'pending'),
                  (SELECT min(lease_until) FROM webhook_deliveries WHERE state = 'sending')) AS wake`,
  );
  return row.wake;
}

/** An attempt's result and what follows it. */
export type AttemptRecord = {
  deliveryId: string;
  attempt: number;
  startedAt: Date;
  durationMs: number;
  status: number | null;
  error: string | null;
  outcome: 'delivered' | 'retry' | 'failed' | 'disabled';
  /** When `outcome` is retry. */
  nextAttemptAt: Date | null;
};

/** Logs an attempt and moves its delivery on, if the lease is still this attempt's; whether it was. */
export async function recordAttempt(db: Queryable, record: AttemptRecord): Promise<boolean> {
  const state = record.outcome === 'delivered' ? 'delivered' : record.outcome === 'retry' ? 'pending' : 'failed';
  await db.execute(
    `INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, status, error, outcome) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [record.deliveryId, record.attempt, record.startedAt, record.durationMs, record.status, record.error, record.outcome],
  );
  const moved = await db.execute(
    `UPDATE webhook_deliveries SET state = $3, lease_until = NULL, next_attempt_at = $4, last_status = $5, last_error = $6,
            last_duration_ms = $7, delivered_at = CASE WHEN $3 = 'delivered' THEN now() END
      WHERE id = $1 AND attempts = $2 AND state = 'sending'`,
    [record.deliveryId, record.attempt, state, record.nextAttemptAt, record.status, record.error, record.durationMs],
  );
  return moved === 1;
}

/**
 * A delivered attempt in one statement (the common case, so the fewest round
 * trips): the attempt logged, the delivery marked delivered if the lease is
 * still this attempt's, the endpoint's run of failures ended.
 */
export async function recordDelivered(db: Queryable, record: AttemptRecord, endpointId: string): Promise<void> {
  await db.execute(
    `WITH attempt AS (
       INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, status, error, outcome)
       VALUES ($1, $2, $3, $4, $5, NULL, 'delivered')),
     delivered AS (
       UPDATE webhook_deliveries SET state = 'delivered', lease_until = NULL, next_attempt_at = NULL, last_status = $5, last_error = NULL,
              last_duration_ms = $4, delivered_at = now()
        WHERE id = $1 AND attempts = $2 AND state = 'sending')
     UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $6 AND failing_since IS NOT NULL`,
    [record.deliveryId, record.attempt, record.startedAt, record.durationMs, record.status, endpointId],
  );
}

/** The endpoint's deliveries, newest first, after the delivery id `before` when given. */
export async function deliveryLog(db: Queryable, endpointId: string, first: number, before: string | null): Promise<DeliveryRow[]> {
  return db.query<DeliveryRow>(sql`
    SELECT ${sql.raw(COLUMNS)} FROM webhook_deliveries d JOIN webhook_messages m ON m.id = d.message_id
     WHERE d.endpoint_id = ${endpointId}::uuid ${before === null ? sql.empty : sql`AND d.id < ${before}::bigint`}
     ORDER BY d.id DESC LIMIT ${first}::int`);
}

export async function findDelivery(db: Queryable, id: string): Promise<DeliveryRow | null> {
  const [row] = await db.query<DeliveryRow>(
    sql`SELECT ${sql.raw(COLUMNS)} FROM webhook_deliveries d JOIN webhook_messages m ON m.id = d.message_id WHERE d.id = ${id}::bigint`,
  );
  return row ?? null;
}

/** The attempts of deliveries, oldest first, for the per-request loader. */
export async function attemptsOf(db: Queryable, deliveryIds: readonly string[]): Promise<Map<string, WebhookAttempt[]>> {
  const rows = await db.query<{
    delivery_id: string;
    attempt: number;
    started_at: Date;
    duration_ms: number;
    status: number | null;
    error: string | null;
    outcome: WebhookAttempt['outcome'];
  }>(
    sql`SELECT a.delivery_id::text AS delivery_id, a.attempt, a.started_at, a.duration_ms, a.status, a.error, a.outcome
          FROM webhook_attempts a WHERE a.delivery_id = ANY (${deliveryIds}::bigint[]) ORDER BY a.delivery_id, a.attempt, a.id`,
  );
  const byDelivery = new Map<string, WebhookAttempt[]>(deliveryIds.map((id) => [id, []]));
  for (const row of rows)
    byDelivery.get(row.delivery_id)?.push(
      Object.assign(new WebhookAttempt(), {
        attempt: row.attempt,
        startedAt: row.started_at,
        durationMs: row.duration_ms,
        status: row.status,
        error: row.error,
        outcome: row.outcome,
      }),
    );
  return byDelivery;
}

/** A new delivery of a delivery's message (same webhook-id) to its endpoint, due now; null when there is none. */
export async function redeliver(db: Queryable, deliveryId: string): Promise<DeliveryRow | null> {
  const [row] = await db.query<{ id: string }>(sql`
    INSERT INTO webhook_deliveries (endpoint_id, message_id, customer_id, state, next_attempt_at)
    SELECT d.endpoint_id, d.message_id, d.customer_id, 'pending', now() FROM webhook_deliveries d WHERE d.id = ${deliveryId}::bigint
    RETURNING id::text AS id`);
  return row ? findDelivery(db, row.id) : null;
}

/**
 * Queues again, for one endpoint, every message it had a delivery of after
 * the delivery `after` (in their order, each once, the same webhook-ids),
 * except those still pending or sending; how many.
 */
export function replayAfter(db: Queryable, endpointId: string, after: string): Promise<number> {
  return db.execute(sql`
    INSERT INTO webhook_deliveries (endpoint_id, message_id, customer_id, state, next_attempt_at)
    SELECT ${endpointId}::uuid, first.message_id, first.customer_id, 'pending', now() FROM (
      SELECT DISTINCT ON (d.message_id) d.id, d.message_id, d.customer_id FROM webhook_deliveries d
       WHERE d.endpoint_id = ${endpointId}::uuid AND d.id > ${after}::bigint
         AND NOT EXISTS (SELECT 1 FROM webhook_deliveries o WHERE o.endpoint_id = d.endpoint_id AND o.message_id = d.message_id
                          AND o.state IN ('pending', 'sending'))
       ORDER BY d.message_id, d.id) first
     ORDER BY first.id`);
}

/** A test message and its delivery to one endpoint, claimed at once for the caller to send (no retries). */
export async function insertTestDelivery(
  db: Queryable,
  endpointId: string,
  body: string,
  leaseMs: number,
): Promise<ClaimedDelivery | null> {
  const [row] = await db.query<ClaimedDelivery>(sql`
    WITH message AS (
      INSERT INTO webhook_messages (webhook_id, event_type, source, body)
      VALUES ('msg_' || replace(gen_random_uuid()::text, '-', ''), 'webhook.test', 'test', ${body})
      RETURNING id, webhook_id, body),
    delivery AS (
      INSERT INTO webhook_deliveries (endpoint_id, message_id, state, retries, attempts, last_attempt_at, lease_until)
      SELECT ${endpointId}::uuid, message.id, 'sending', false, 1, now(), now() + make_interval(secs => ${leaseMs / 1000}::double precision)
        FROM message WHERE EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = ${endpointId}::uuid)
      RETURNING id, endpoint_id)
    SELECT delivery.id::text AS id, delivery.endpoint_id, ep.url, ${SIGNING_SECRETS} AS secrets, message.webhook_id, message.body,
           1 AS attempts, false AS retries
      FROM delivery, message, webhook_endpoints ep WHERE ep.id = delivery.endpoint_id`);
  return row ?? null;
}
