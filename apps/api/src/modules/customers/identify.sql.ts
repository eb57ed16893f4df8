import { prepared } from '../../database/db';
import type { Queryable } from '../../database/db';

/**
 * The `identify_messages` table: every identify message's messageId, kept
 * forever (a retry however late is a duplicate), with the customer it was
 * placed on (no foreign key: the messageId outlives a deleted customer).
 */
const INSERT_NEW = prepared(
  `INSERT INTO identify_messages (message_id, customer_id)
   SELECT m.message_id, m.customer_id FROM unnest($1::text[], $2::uuid[]) AS m(message_id, customer_id) ORDER BY m.message_id
   ON CONFLICT DO NOTHING RETURNING message_id`,
);

/** Records these messages; returns the messageIds that were new. */
export async function insertIdentifyMessages(
  db: Queryable,
  messages: ReadonlyArray<{ messageId: string; customerId: string }>,
): Promise<Set<string>> {
  if (messages.length === 0) return new Set();
  const rows = await db.query<{ message_id: string }>(INSERT_NEW, [
    messages.map((message) => message.messageId),
    messages.map((message) => message.customerId),
  ]);
  return new Set(rows.map((row) => row.message_id));
}

const STORED = prepared(`SELECT message_id, customer_id FROM identify_messages WHERE message_id = ANY ($1::text[])`);

/** The customer each of these messageIds was placed on, for those recorded before. */
export async function storedIdentifyMessages(db: Queryable, messageIds: readonly string[]): Promise<Map<string, string | null>> {
  if (messageIds.length === 0) return new Map();
  const rows = await db.query<{ message_id: string; customer_id: string | null }>(STORED, [messageIds]);
  return new Map(rows.map((row) => [row.message_id, row.customer_id]));
}
