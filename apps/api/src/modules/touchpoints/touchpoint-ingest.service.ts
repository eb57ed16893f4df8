import type { LifecycleModel } from '@clm/schema';
import type { DataSource, EntityManager } from 'typeorm';
import { Semaphore } from '../../database/semaphore';
import { inTransaction } from '../../database/transactions';
import { resolveCustomers } from '../customers/customer-resolution';
import type { Resolution } from '../customers/customer-resolution';
import type { CustomerEvent, CustomerStateRow, TransitionRow } from '../customers/customer-state';
import { applyCustomerEvents, writeCustomerStates, writeTransitions } from '../customers/customer-state';
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

/**
 * Records batches of touchpoints. Items are validated one by one; the good
 * ones are written in one transaction (customers locked in id order,
 * duplicates dropped by messageId, rules evaluated, transitions appended,
 * customer rollups updated) and the caller hears back only after COMMIT.
 */
export class TouchpointIngestService {
  /**
   * Batches of one instance write one at a time: on a few cores, overlapping
   * batches only wait on each other's row locks (and deadlock), so queueing
   * them here is faster. Validation and GraphQL work still overlap.
   */
  private readonly writers: Semaphore;

  constructor(
    private readonly dataSource: DataSource,
    private readonly models: LifecycleModelService,
    private readonly notifier: CommitNotifier,
    concurrentWriters = 1,
  ) {
    this.writers = new Semaphore(concurrentWriters);
  }

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
    const outcome = await this.writers.run(() => inTransaction(this.dataSource, (manager) => this.write(manager, model, valid, path)));
    for (const error of outcome.rejected) results[error.index].error = { field: error.field, message: error.message };
    for (const stored of outcome.stored) {
      Object.assign(results[stored.index], {
        status: stored.status,
        touchpointId: stored.touchpointId,
        customerId: stored.customerId,
        error: null,
      });
    }
    if (outcome.changed) this.notifier.committed();
    return results;
  }

  /** One batch, inside its transaction: customers, touchpoints, rules, transitions, rollups. */
  private async write(manager: EntityManager, model: LifecycleModel, items: ValidTouchpoint[], path: (index: number) => string) {
    const resolution = await resolveCustomers(manager, items, path);
    const accepted = items.filter((item) => resolution.customerOf.has(item.index));
    const firstOfEach = firstByMessageId(accepted);
    const newIds = await insertTouchpoints(manager, [...firstOfEach.values()], resolution.customerOf);

    const { transitions, states } = applyRules(model, [...firstOfEach.values()], newIds, resolution);
    await writeTransitions(manager, transitions);
    await writeCustomerStates(manager, states);

    const replayed = items.filter((item) => resolution.replayed.has(item.index));
    const earlier = await existingTouchpoints(
      manager,
      [...accepted.filter((item) => !newIds.has(item.messageId)), ...replayed].map((item) => item.messageId),
    );
    const stored = [...accepted, ...replayed].map((item) => {
      const fresh = newIds.get(item.messageId);
      const customerId = resolution.customerOf.get(item.index) ?? null;
      if (fresh !== undefined && firstOfEach.get(item.messageId) === item) {
        return { index: item.index, status: 'ACCEPTED' as IngestStatus, touchpointId: fresh, customerId };
      }
      const existing = earlier.get(item.messageId);
      return {
        index: item.index,
        status: 'DUPLICATE' as IngestStatus,
        touchpointId: fresh ?? existing?.id ?? null,
        customerId: existing?.customerId ?? customerId,
      };
    });
    return { stored, rejected: resolution.rejected, changed: newIds.size > 0 };
  }
}

/** The first item of each messageId, in messageId order (later ones in the batch are duplicates). */
function firstByMessageId(items: readonly ValidTouchpoint[]): Map<string, ValidTouchpoint> {
  const first = new Map<string, ValidTouchpoint>();
  for (const item of [...items].sort((a, b) => (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0))) {
    if (!first.has(item.messageId)) first.set(item.messageId, item);
  }
  return first;
}

/**
 * Inserts the touchpoints whose messageId is new (never stored, never
 * deleted) and returns their ids by messageId. Rows go in messageId order
 * (kept by ORDER BY n), so concurrent batches meet on the unique index in one
 * order.
 */
async function insertTouchpoints(
  manager: EntityManager,
  rows: readonly ValidTouchpoint[],
  customerOf: ReadonlyMap<number, string>,
): Promise<Map<string, string>> {
  if (rows.length === 0) return new Map();
  const inserted: Array<{ id: string; message_id: string }> = await manager.query(
    `INSERT INTO touchpoints (message_id, customer_id, type, channel, occurred_at, value, currency, campaign, properties)
     SELECT t.message_id, t.customer_id, t.type, t.channel, t.occurred_at, t.value, t.currency, t.campaign, t.properties
       FROM ROWS FROM (json_to_recordset($1::json)
              AS (message_id text, customer_id uuid, type text, channel text, occurred_at timestamptz,
                  value numeric, currency text, campaign text, properties jsonb))
            WITH ORDINALITY AS t(message_id, customer_id, type, channel, occurred_at, value, currency, campaign, properties, n)
      WHERE NOT EXISTS (SELECT 1 FROM deleted_message_ids d WHERE d.message_id = t.message_id)
      ORDER BY t.n
     ON CONFLICT (message_id) DO NOTHING
     RETURNING id::text, message_id`,
    [
      JSON.stringify(
        rows.map((row) => ({
          message_id: row.messageId,
          customer_id: customerOf.get(row.index),
          type: row.type,
          channel: row.channel,
          occurred_at: row.occurredAt.toISOString(),
          value: row.value,
          currency: row.currency,
          campaign: row.campaign,
          properties: row.properties,
        })),
      ),
    ],
  );
  return new Map(inserted.map((row) => [row.message_id, row.id]));
}

/** Runs the rules over each customer's newly stored touchpoints: the transitions to append and the customer rows to write. */
function applyRules(model: LifecycleModel, rows: readonly ValidTouchpoint[], newIds: ReadonlyMap<string, string>, resolution: Resolution) {
  const eventsByCustomer = new Map<string, CustomerEvent[]>();
  for (const row of rows) {
    const touchpointId = newIds.get(row.messageId);
    if (touchpointId === undefined) continue;
    const customerId = resolution.customerOf.get(row.index) as string;
    const events = eventsByCustomer.get(customerId) ?? [];
    events.push({ ...row, touchpointId });
    eventsByCustomer.set(customerId, events);
  }
  const states: CustomerStateRow[] = [];
  const transitions: TransitionRow[] = [];
  for (const [customerId, events] of eventsByCustomer) {
    const applied = applyCustomerEvents(model, resolution.states.get(customerId) as CustomerStateRow, events);
    states.push(applied.state);
    transitions.push(...applied.transitions.map((transition) => ({ ...transition, customerId })));
  }
  // Customers that only gained an externalId still need writing.
  states.push(...resolution.linked.filter((row) => !eventsByCustomer.has(row.id)));
  return { transitions, states };
}

async function existingTouchpoints(manager: EntityManager, messageIds: string[]): Promise<Map<string, { id: string; customerId: string }>> {
  if (messageIds.length === 0) return new Map();
  const rows: Array<{ id: string; message_id: string; customer_id: string }> = await manager.query(
    `SELECT id::text, message_id, customer_id FROM touchpoints WHERE message_id = ANY ($1::text[])`,
    [messageIds],
  );
  return new Map(rows.map((row) => [row.message_id, { id: row.id, customerId: row.customer_id }]));
}
