import { randomUUID } from 'node:crypto';
import type { LifecycleModel } from '@clm/schema';
import type { DataSource, EntityManager } from 'typeorm';
import { inTransaction, RetryTransaction } from '../../database/transactions';
import type { CustomerStateRow } from '../customers/customer-state';
import { applyCustomerEvents, customerStateColumns, writeCustomerStates, writeTransitions } from '../customers/customer-state';
import type { LifecycleModelService } from '../lifecycle/lifecycle-model.service';
import type { CommitNotifier } from '../stream/commit-notifier';
import { validateTouchpoint } from './touchpoint-validation';
import type { TouchpointSubmission, ValidTouchpoint } from './touchpoint-validation';

export type IngestStatus = 'ACCEPTED' | 'DUPLICATE' | 'REJECTED';

/** The outcome for one submitted item, in submission order. */
export type IngestItemResult = {
  index: number;
  status: IngestStatus;
  messageId: string | null;
  touchpointId: string | null;
  customerId: string | null;
  error: { field: string; message: string } | null;
};

export const MAX_BATCH = 1000;

/** An item refused while resolving its customer (inside the transaction). */
type ResolutionError = { index: number; field: string; message: string };

/**
 * Records batches of touchpoints. Items are validated one by one; the good
 * ones are written in one transaction (customers locked in id order,
 * duplicates dropped by messageId, rules evaluated, transitions appended,
 * customer rollups updated) and the caller hears back only after COMMIT.
 */
export class TouchpointIngestService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly models: LifecycleModelService,
    private readonly notifier: CommitNotifier,
  ) {}

  async record(submissions: readonly TouchpointSubmission[], path: (index: number) => string): Promise<IngestItemResult[]> {
    const now = new Date();
    const results: IngestItemResult[] = submissions.map((submission, index) => ({
      index,
      status: 'REJECTED',
      messageId: submission.messageId ?? null,
      touchpointId: null,
      customerId: null,
      error: null,
    }));
    const valid: ValidTouchpoint[] = [];
    for (const [index, submission] of submissions.entries()) {
      const checked = validateTouchpoint(index, path(index), submission, now);
      if ('message' in checked) results[index].error = { field: checked.field, message: checked.message };
      else valid.push(checked);
    }
    if (valid.length === 0) return results;

    const model = await this.models.current();
    const outcome = await inTransaction(this.dataSource, (manager) => this.write(manager, model, valid, path));
    for (const error of outcome.rejected) results[error.index].error = { field: error.field, message: error.message };
    for (const stored of outcome.stored) {
      Object.assign(results[stored.index], { status: stored.status, touchpointId: stored.touchpointId, customerId: stored.customerId, error: null });
    }
    if (outcome.changed) this.notifier.committed();
    return results;
  }

  private async write(manager: EntityManager, model: LifecycleModel, items: ValidTouchpoint[], path: (index: number) => string) {
    const resolution = await resolveCustomers(manager, items, path);
    const accepted = items.filter((item) => resolution.customerOf.has(item.index));

    // Sorted by messageId so concurrent batches meet on the unique index in one order.
    const unique = new Map<string, ValidTouchpoint>();
    for (const item of [...accepted].sort((a, b) => (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0))) {
      if (!unique.has(item.messageId)) unique.set(item.messageId, item);
    }
    const rows = [...unique.values()];
    const inserted: Array<{ id: string; message_id: string }> = rows.length === 0 ? [] : await manager.query(
      `INSERT INTO touchpoints (message_id, customer_id, type, channel, occurred_at, value, currency, campaign, properties)
       SELECT t.* FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[], $6::numeric[], $7::text[], $8::text[], $9::jsonb[])
              AS t(message_id, customer_id, type, channel, occurred_at, value, currency, campaign, properties)
        WHERE NOT EXISTS (SELECT 1 FROM deleted_message_ids d WHERE d.message_id = t.message_id)
       ON CONFLICT (message_id) DO NOTHING
       RETURNING id::text, message_id`,
      [
        rows.map((row) => row.messageId),
        rows.map((row) => resolution.customerOf.get(row.index)),
        rows.map((row) => row.type),
        rows.map((row) => row.channel),
        rows.map((row) => row.occurredAt.toISOString()),
        rows.map((row) => row.value),
        rows.map((row) => row.currency),
        rows.map((row) => row.campaign),
        rows.map((row) => JSON.stringify(row.properties)),
      ],
    );
    const newIds = new Map(inserted.map((row) => [row.message_id, row.id]));
    const replayed = items.filter((item) => resolution.duplicates.has(item.index));
    const known = await existingTouchpoints(manager, [...accepted.filter((item) => !newIds.has(item.messageId)), ...replayed].map((item) => item.messageId));

    const eventsByCustomer = new Map<string, ValidTouchpoint[]>();
    for (const item of rows) {
      if (!newIds.has(item.messageId)) continue;
      const customerId = resolution.customerOf.get(item.index) as string;
      eventsByCustomer.set(customerId, [...(eventsByCustomer.get(customerId) ?? []), item]);
    }
    const changedStates: CustomerStateRow[] = [];
    const transitions = [];
    for (const [customerId, events] of eventsByCustomer) {
      const state = resolution.states.get(customerId) as CustomerStateRow;
      const applied = applyCustomerEvents(model, state, events.map((event) => ({ ...event, touchpointId: newIds.get(event.messageId) as string })));
      changedStates.push(applied.state);
      transitions.push(...applied.transitions.map((transition) => ({ ...transition, customerId })));
    }
    for (const linked of resolution.linkedExternalIds) {
      if (!eventsByCustomer.has(linked.id)) changedStates.push(linked);
    }
    await writeTransitions(manager, transitions);
    await writeCustomerStates(manager, changedStates);

    const stored = [...accepted, ...replayed].map((item) => {
      const fresh = newIds.get(item.messageId);
      const customerId = resolution.customerOf.get(item.index) ?? null;
      if (fresh !== undefined && unique.get(item.messageId) === item) {
        return { index: item.index, status: 'ACCEPTED' as IngestStatus, touchpointId: fresh, customerId };
      }
      const existing = known.get(item.messageId);
      return { index: item.index, status: 'DUPLICATE' as IngestStatus, touchpointId: fresh ?? existing?.id ?? null, customerId: existing?.customerId ?? customerId };
    });
    return { stored, rejected: resolution.rejected, changed: inserted.length > 0 };
  }
}

async function knownMessageIds(manager: EntityManager, messageIds: string[]): Promise<Set<string>> {
  const rows: Array<{ message_id: string }> = await manager.query(
    `SELECT message_id FROM touchpoints WHERE message_id = ANY ($1::text[])
     UNION ALL SELECT message_id FROM deleted_message_ids WHERE message_id = ANY ($1::text[])`,
    [messageIds],
  );
  return new Set(rows.map((row) => row.message_id));
}

async function existingTouchpoints(manager: EntityManager, messageIds: string[]): Promise<Map<string, { id: string; customerId: string }>> {
  if (messageIds.length === 0) return new Map();
  const rows: Array<{ id: string; message_id: string; customer_id: string }> = await manager.query(
    `SELECT id::text, message_id, customer_id FROM touchpoints WHERE message_id = ANY ($1::text[])`,
    [messageIds],
  );
  return new Map(rows.map((row) => [row.message_id, { id: row.id, customerId: row.customer_id }]));
}

/**
 * Finds or creates the customer each item names, and locks every involved
 * customer row (in id order, so concurrent batches cannot deadlock on them).
 * Precedence: id, then externalId, then email. An email match with no
 * externalId yet gets the item's externalId (the anonymous-then-known case).
 */
async function resolveCustomers(manager: EntityManager, items: ValidTouchpoint[], path: (index: number) => string) {
  const ids = unique(items.map((item) => item.customer.id));
  const externalIds = unique(items.map((item) => item.customer.externalId));
  const emails = unique(items.map((item) => item.customer.email));
  const rows: CustomerStateRow[] = await manager.query(
    `SELECT ${customerStateColumns} FROM customers
      WHERE id = ANY ($1::uuid[]) OR external_id = ANY ($2::text[]) OR email = ANY ($3::text[])
      ORDER BY id FOR UPDATE`,
    [ids, externalIds, emails],
  );
  const states = new Map(rows.map((row) => [row.id, row]));
  const byExternalId = new Map(rows.filter((row) => row.external_id !== null).map((row) => [row.external_id as string, row]));
  const byEmail = new Map(rows.filter((row) => row.email !== null).map((row) => [row.email as string, row]));

  const customerOf = new Map<number, string>();
  const rejected: ResolutionError[] = [];
  let created: CustomerStateRow[] = [];
  const linkedExternalIds: CustomerStateRow[] = [];
  const reject = (item: ValidTouchpoint, field: string, message: string) =>
    rejected.push({ index: item.index, field: `${path(item.index)}.${field}`, message: `${path(item.index)}.${field}: ${message}` });

  for (const item of items) {
    const { id, externalId, email } = item.customer;
    if (id !== null) {
      if (states.has(id)) customerOf.set(item.index, id);
      else reject(item, 'customer.id', `no customer with id "${id}"`);
      continue;
    }
    const byExternal = externalId !== null ? byExternalId.get(externalId) : undefined;
    const byMail = email !== null ? byEmail.get(email) : undefined;
    if (byExternal && byMail && byExternal.id !== byMail.id) {
      reject(item, 'customer', `externalId "${externalId}" and email "${email}" belong to different customers`);
      continue;
    }
    if (!byExternal && byMail && externalId !== null && byMail.external_id !== null) {
      reject(item, 'customer.email', `"${email}" belongs to a customer with another externalId`);
      continue;
    }
    let customer = byExternal ?? byMail;
    if (customer && externalId !== null && customer.external_id === null) {
      customer.external_id = externalId;
      byExternalId.set(externalId, customer);
      linkedExternalIds.push(customer);
    }
    if (!customer) {
      customer = newCustomerRow(item);
      states.set(customer.id, customer);
      created.push(customer);
      if (externalId !== null) byExternalId.set(externalId, customer);
      if (email !== null) byEmail.set(email, customer);
    }
    customerOf.set(item.index, customer.id);
  }

  // A customer is created only for new events: a replay of events already stored
  // (or deleted along with their customer) must not create anyone.
  const known = created.length === 0 ? new Set<string>() : await knownMessageIds(manager, items.filter((item) => created.some((row) => row.id === customerOf.get(item.index))).map((item) => item.messageId));
  const replayedOnly = new Set(created.filter((row) => items.every((item) => customerOf.get(item.index) !== row.id || known.has(item.messageId))).map((row) => row.id));
  const duplicates = new Set<number>();
  for (const item of items) {
    if (replayedOnly.has(customerOf.get(item.index) ?? '')) {
      customerOf.delete(item.index);
      duplicates.add(item.index);
    }
  }
  created = created.filter((row) => !replayedOnly.has(row.id));

  if (created.length > 0) {
    // In key order, so two batches creating the same customers wait for each other instead of deadlocking.
    created.sort((a, b) => compareText(a.external_id, b.external_id) || compareText(a.email, b.email));
    const inserted: Array<{ id: string }> = await manager.query(
      `INSERT INTO customers (id, external_id, email, name, attributes)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[])
       ON CONFLICT DO NOTHING RETURNING id`,
      [
        created.map((row) => row.id),
        created.map((row) => row.external_id),
        created.map((row) => row.email),
        created.map((row) => row.name),
        created.map((row) => JSON.stringify(row.attributes)),
      ],
    );
    // Another batch created one of these customers after our lookup: start over and find it.
    if (inserted.length !== created.length) throw new RetryTransaction();
  }
  return { customerOf, states, rejected, linkedExternalIds, duplicates };
}

function newCustomerRow(item: ValidTouchpoint): CustomerStateRow {
  return {
    id: randomUUID(),
    external_id: item.customer.externalId,
    email: item.customer.email,
    name: item.customer.name,
    attributes: item.customer.attributes,
    stage: null,
    stage_entered_at: null,
    funnel_stage: null,
    type_counts: {},
    first_seen_at: null,
    last_seen_at: null,
    orders: 0,
    revenue: '0',
  };
}

function compareText(left: string | null, right: string | null): number {
  if (left === right) return 0;
  if (left === null) return 1;
  if (right === null) return -1;
  return left < right ? -1 : 1;
}

function unique(values: Array<string | null>): string[] {
  return [...new Set(values.filter((value): value is string => value !== null))];
}
