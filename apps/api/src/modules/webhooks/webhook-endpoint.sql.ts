import { prepared } from '../../database/db';
import type { Queryable } from '../../database/db';
import { sql } from '../../database/sql';
import type { SqlFragment } from '../../database/sql';
import { SEGMENTS_TABLE } from '../segments';
import { WebhookEndpoint } from './webhook.type';

/**
 * The `webhook_endpoints` table: its row, its one mapper and every statement
 * on it. The secret is read only by the dispatcher (to sign) and answered
 * only by creation and rotation; the GraphQL type never carries it.
 */
export type EndpointRow = {
  id: string;
  url: string;
  description: string | null;
  event_types: string[];
  filter_stages: string[] | null;
  filter_segments: string[] | null;
  previous_secret_until: Date | null;
  disabled_at: Date | null;
  disabled_reason: string | null;
  failing_since: Date | null;
  created_at: Date;
  updated_at: Date;
};

const COLUMNS = `e.id, e.url, e.description, e.event_types, e.filter_stages, e.filter_segments::text[] AS filter_segments,
  CASE WHEN e.previous_secret_until > now() THEN e.previous_secret_until END AS previous_secret_until,
  e.disabled_at, e.disabled_reason, e.failing_since, e.created_at, e.updated_at`;

export function toEndpoint(row: EndpointRow): WebhookEndpoint {
  return Object.assign(new WebhookEndpoint(), {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: row.event_types,
    stages: row.filter_stages,
    segmentIds: row.filter_segments,
    previousSecretValidUntil: row.previous_secret_until,
    disabledAt: row.disabled_at,
    disabledReason: row.disabled_reason,
    failingSince: row.failing_since,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}

/** What creation and update write (null filters: any). */
export type EndpointFields = {
  url: string;
  description: string | null;
  eventTypes: readonly string[];
  stages: readonly string[] | null;
  segmentIds: readonly string[] | null;
};

const LIST = prepared(`SELECT ${COLUMNS} FROM webhook_endpoints e ORDER BY e.created_at, e.id`);
const BY_ID = prepared(`SELECT ${COLUMNS} FROM webhook_endpoints e WHERE e.id = $1`);

export function listEndpoints(db: Queryable): Promise<EndpointRow[]> {
  return db.query<EndpointRow>(LIST);
}

export async function findEndpoint(db: Queryable, id: string): Promise<EndpointRow | null> {
  const [row] = await db.query<EndpointRow>(BY_ID, [id]);
  return row ?? null;
}

export async function insertEndpoint(db: Queryable, fields: EndpointFields, secret: string, actor: string): Promise<EndpointRow> {
  const [row] = await db.query<EndpointRow>(sql`
    INSERT INTO webhook_endpoints AS e (url, description, event_types, filter_stages, filter_segments, secret, created_by)
    VALUES (${fields.url}, ${fields.description}, ${fields.eventTypes}::text[], ${fields.stages}::text[], ${fields.segmentIds}::uuid[],
            ${secret}, ${actor})
    RETURNING ${sql.raw(COLUMNS)}`);
  return row;
}

export async function updateEndpoint(db: Queryable, id: string, fields: EndpointFields): Promise<EndpointRow | null> {
  const [row] = await db.query<EndpointRow>(sql`
    UPDATE webhook_endpoints e SET url = ${fields.url}, description = ${fields.description}, event_types = ${fields.eventTypes}::text[],
           filter_stages = ${fields.stages}::text[], filter_segments = ${fields.segmentIds}::uuid[], updated_at = now()
     WHERE e.id = ${id}::uuid
    RETURNING ${sql.raw(COLUMNS)}`);
  return row ?? null;
}

export async function deleteEndpoint(db: Queryable, id: string): Promise<boolean> {
  return (await db.execute(`DELETE FROM webhook_endpoints WHERE id = $1`, [id])) === 1;
}

/** A new secret signs from now on; the old one signs too until `graceHours` from now. */
export async function rotateSecret(db: Queryable, id: string, secret: string, graceHours: number): Promise<EndpointRow | null> {
  const [row] = await db.query<EndpointRow>(sql`
    UPDATE webhook_endpoints e SET previous_secret = e.secret, previous_secret_until = now() + make_interval(hours => ${graceHours}),
           secret = ${secret}, updated_at = now()
     WHERE e.id = ${id}::uuid
    RETURNING ${sql.raw(COLUMNS)}`);
  return row ?? null;
}

/** Enables an endpoint again, its run of failures forgotten; deliveries skipped meanwhile stay skipped (replay sends them). */
export async function enableEndpoint(db: Queryable, id: string): Promise<EndpointRow | null> {
  const [row] = await db.query<EndpointRow>(sql`
    UPDATE webhook_endpoints e SET disabled_at = NULL, disabled_reason = NULL, failing_since = NULL, updated_at = now()
     WHERE e.id = ${id}::uuid
    RETURNING ${sql.raw(COLUMNS)}`);
  return row ?? null;
}

/** Disables an endpoint with the reason shown to admins; what was waiting for it is skipped (a replay sends it later). */
export async function disableEndpoint(db: Queryable, id: string, reason: string): Promise<void> {
  await db.execute(
    `WITH disabled AS (
       UPDATE webhook_endpoints SET disabled_at = now(), disabled_reason = $2, updated_at = now() WHERE id = $1 AND disabled_at IS NULL RETURNING id)
     UPDATE webhook_deliveries d SET state = 'skipped', next_attempt_at = NULL, last_error = coalesce(d.last_error || '; ', '') || 'skipped: the endpoint was disabled'
       FROM disabled WHERE d.endpoint_id = disabled.id AND d.state = 'pending'`,
    [id, reason],
  );
}

/** Marks the start of a run of failures (kept when one is under way); when the run began. */
export async function noteFailure(db: Queryable, id: string): Promise<Date | null> {
  const [row] = await db.query<{ failing_since: Date }>(
    `UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, now()) WHERE id = $1 RETURNING failing_since`,
    [id],
  );
  return row?.failing_since ?? null;
}

/** Which of `ids` name no segment. */
export async function unknownSegments(db: Queryable, ids: readonly string[]): Promise<string[]> {
  const rows = await db.query<{ id: string }>(sql`
    SELECT wanted.id::text AS id FROM unnest(${ids}::uuid[]) WITH ORDINALITY AS wanted (id, position)
     WHERE NOT EXISTS (SELECT 1 FROM ${sql.raw(SEGMENTS_TABLE)} s WHERE s.id = wanted.id)
     ORDER BY wanted.position`);
  return rows.map((row) => row.id);
}

/** The secrets that sign for an endpoint now: the current one, then the previous one during a rotation. */
export const SIGNING_SECRETS: SqlFragment = sql`array_remove(ARRAY[ep.secret, CASE WHEN ep.previous_secret_until > now() THEN ep.previous_secret END], NULL)`;
