import type { Queryable } from '../../database/db';
import { sql } from '../../database/sql';
import type { TrackingMapping } from './tracking-mapping';

/** The `tracking_settings` (one row) and `tracking_rejections` tables: rows and statements. */

export type TrackingSettingsRow = {
  mapping: TrackingMapping | null;
  rejected_total: string;
  updated_at: Date | null;
  updated_by: string | null;
};

export type RejectionRow = {
  received_at: Date;
  key_name: string | null;
  route: string;
  message_type: string | null;
  message_id: string | null;
  field: string;
  reason: string;
};

/** The rejections kept for reading; older ones are pruned (their count stays in `rejected_total`). */
export const KEPT_REJECTIONS = 1000;

export async function readSettings(db: Queryable): Promise<TrackingSettingsRow> {
  const [row] = await db.query<TrackingSettingsRow>(
    sql`SELECT mapping, rejected_total::text, updated_at, updated_by FROM tracking_settings`,
  );
  return row;
}

/** Stores the admin's mapping (null: back to the defaults). */
export async function writeMapping(db: Queryable, mapping: TrackingMapping | null, by: string): Promise<TrackingSettingsRow> {
  const [row] = await db.query<TrackingSettingsRow>(
    sql`UPDATE tracking_settings SET mapping = ${mapping === null ? null : JSON.stringify(mapping)}::jsonb, updated_at = now(), updated_by = ${by}
        RETURNING mapping, rejected_total::text, updated_at, updated_by`,
  );
  return row;
}

/** Appends rejections, counts them, and prunes all but the newest KEPT_REJECTIONS: one statement. */
export async function recordRejections(db: Queryable, rows: readonly RejectionRow[]): Promise<void> {
  if (rows.length === 0) return;
  const column = <K extends keyof RejectionRow>(key: K) => rows.map((row) => row[key]);
  await db.query(
    sql`WITH added AS (
          INSERT INTO tracking_rejections (received_at, key_name, route, message_type, message_id, field, reason)
          SELECT * FROM unnest(${column('received_at')}::timestamptz[], ${column('key_name')}::text[], ${column('route')}::text[],
                               ${column('message_type')}::text[], ${column('message_id')}::text[], ${column('field')}::text[],
                               ${column('reason')}::text[])
          RETURNING id
        ), counted AS (
          UPDATE tracking_settings SET rejected_total = rejected_total + (SELECT count(*) FROM added)
        )
        DELETE FROM tracking_rejections
         WHERE id <= (SELECT max(id) FROM added) - ${KEPT_REJECTIONS}`,
  );
}

export function latestRejections(db: Queryable, limit: number): Promise<RejectionRow[]> {
  return db.query<RejectionRow>(
    sql`SELECT received_at, key_name, route, message_type, message_id, field, reason
          FROM tracking_rejections ORDER BY id DESC LIMIT ${limit}`,
  );
}
