import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { RetryTransaction } from '../../database/transactions';
import type { ValidTouchpoint } from '../touchpoints/touchpoint-validation';
import { customerStateColumns } from './customer-state';
import type { CustomerStateRow } from './customer-state';

/** Who each item belongs to, with every involved customer row locked for this transaction. */
export type Resolution = {
  /** Item index → customer id, for items that can be stored. */
  customerOf: Map<number, string>;
  /** Every involved customer, by id. */
  states: Map<string, CustomerStateRow>;
  /** Items naming a customer that cannot be theirs. */
  rejected: Array<{ index: number; field: string; message: string }>;
  /** Existing customers that gained an externalId from this batch. */
  linked: CustomerStateRow[];
  /** Items whose messageId is already known and whose customer would be new: duplicates, and nobody is created. */
  replayed: Set<number>;
};

/** Customer rows found so far, indexed by each identity. */
class Directory {
  readonly byId = new Map<string, CustomerStateRow>();
  readonly byExternalId = new Map<string, CustomerStateRow>();
  readonly byEmail = new Map<string, CustomerStateRow>();

  add(rows: readonly CustomerStateRow[]): void {
    for (const row of rows) {
      this.byId.set(row.id, row);
      if (row.external_id !== null) this.byExternalId.set(row.external_id, row);
      if (row.email !== null) this.byEmail.set(row.email, row);
    }
  }
}

type Plan = {
  customerOf: Map<number, string>;
  created: CustomerStateRow[];
  links: Map<string, string>;
  rejected: Resolution['rejected'];
};

const MAX_ROUNDS = 4;

/**
 * Finds or creates the customer each item names, and locks every involved
 * row. Precedence: id, then externalId, then email; an email match without an
 * externalId takes the item's externalId (the anonymous-then-known case).
 *
 * When another batch creates one of our new customers first, its row is
 * locked and used instead, in the same transaction (no restart).
 */
export async function resolveCustomers(
  manager: EntityManager,
  items: readonly ValidTouchpoint[],
  path: (index: number) => string,
): Promise<Resolution> {
  const directory = new Directory();
  directory.add(
    await lockCustomers(
      manager,
      items.map((item) => item.customer),
    ),
  );
  for (let round = 1; ; round++) {
    const plan = assign(items, directory, path);
    const replayed = await dropReplays(manager, items, plan);
    const inserted = await insertCustomers(manager, plan.created);
    const lost = plan.created.filter((row) => !inserted.has(row.id));
    if (lost.length === 0) {
      directory.add(plan.created);
      const linked = [...plan.links].map(([id, externalId]) =>
        Object.assign(directory.byId.get(id) as CustomerStateRow, { external_id: externalId }),
      );
      return { customerOf: plan.customerOf, states: directory.byId, rejected: plan.rejected, linked, replayed };
    }
    if (round === MAX_ROUNDS) throw new RetryTransaction('customers kept being created concurrently');
    directory.add(plan.created.filter((row) => inserted.has(row.id)));
    directory.add(
      await lockCustomers(
        manager,
        lost.map((row) => ({ id: null, externalId: row.external_id, email: row.email })),
      ),
    );
  }
}

/** Pure: the customer of each item under what `directory` holds, and the customers to create. */
function assign(items: readonly ValidTouchpoint[], directory: Directory, path: (index: number) => string): Plan {
  const plan: Plan = { customerOf: new Map(), created: [], links: new Map(), rejected: [] };
  const byExternalId = new Map(directory.byExternalId);
  const byEmail = new Map(directory.byEmail);
  const reject = (item: ValidTouchpoint, field: string, message: string) =>
    plan.rejected.push({ index: item.index, field: `${path(item.index)}.${field}`, message: `${path(item.index)}.${field}: ${message}` });

  for (const item of items) {
    const { id, externalId, email } = item.customer;
    if (id !== null) {
      if (directory.byId.has(id)) plan.customerOf.set(item.index, id);
      else reject(item, 'customer.id', `no customer with id "${id}"`);
      continue;
    }
    const byExternal = externalId !== null ? byExternalId.get(externalId) : undefined;
    const byMail = email !== null ? byEmail.get(email) : undefined;
    if (byExternal && byMail && byExternal.id !== byMail.id) {
      reject(item, 'customer', `externalId "${externalId}" and email "${email}" belong to different customers`);
      continue;
    }
    const mailExternalId = byMail ? (plan.links.get(byMail.id) ?? byMail.external_id) : null;
    if (!byExternal && byMail && externalId !== null && mailExternalId !== null) {
      reject(item, 'customer.email', `"${email}" belongs to a customer with another externalId`);
      continue;
    }
    let customer = byExternal ?? byMail;
    if (customer && externalId !== null && customer.external_id === null && !plan.links.has(customer.id)) {
      plan.links.set(customer.id, externalId);
      byExternalId.set(externalId, customer);
    }
    if (!customer) {
      customer = newCustomerRow(item);
      plan.created.push(customer);
      if (externalId !== null) byExternalId.set(externalId, customer);
      if (email !== null) byEmail.set(email, customer);
    }
    plan.customerOf.set(item.index, customer.id);
  }
  return plan;
}

/**
 * A customer is created only for new events: items whose messageId is
 * already stored (or was deleted with its customer) and that would create a
 * customer become duplicates, and that customer is not created.
 */
async function dropReplays(manager: EntityManager, items: readonly ValidTouchpoint[], plan: Plan): Promise<Set<number>> {
  if (plan.created.length === 0) return new Set();
  const newIds = new Set(plan.created.map((row) => row.id));
  const candidates = items.filter((item) => newIds.has(plan.customerOf.get(item.index) ?? ''));
  const rows: Array<{ message_id: string }> = await manager.query(
    `SELECT message_id FROM touchpoints WHERE message_id = ANY ($1::text[])
     UNION ALL SELECT message_id FROM deleted_message_ids WHERE message_id = ANY ($1::text[])`,
    [candidates.map((item) => item.messageId)],
  );
  const known = new Set(rows.map((row) => row.message_id));
  const needed = new Set(candidates.filter((item) => !known.has(item.messageId)).map((item) => plan.customerOf.get(item.index)));
  const replayed = new Set<number>();
  for (const item of candidates) {
    if (needed.has(plan.customerOf.get(item.index))) continue;
    plan.customerOf.delete(item.index);
    replayed.add(item.index);
  }
  plan.created = plan.created.filter((row) => needed.has(row.id));
  return replayed;
}

/** Locks (in id order, so batches cannot deadlock on them) and returns the customers with any of these identities. */
async function lockCustomers(
  manager: EntityManager,
  keys: ReadonlyArray<ValidTouchpoint['customer'] | { id: null; externalId: string | null; email: string | null }>,
): Promise<CustomerStateRow[]> {
  const pick = (values: Array<string | null>) => [...new Set(values.filter((value): value is string => value !== null))];
  return manager.query(
    `SELECT ${customerStateColumns} FROM customers
      WHERE id = ANY ($1::uuid[]) OR external_id = ANY ($2::text[]) OR email = ANY ($3::text[])
      ORDER BY id FOR UPDATE`,
    [pick(keys.map((key) => key.id)), pick(keys.map((key) => key.externalId)), pick(keys.map((key) => key.email))],
  );
}

/** Inserts new customers in key order (so concurrent creators queue rather than deadlock); returns the ids actually inserted. */
async function insertCustomers(manager: EntityManager, rows: CustomerStateRow[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const ordered = [...rows].sort((a, b) => compareText(a.external_id, b.external_id) || compareText(a.email, b.email));
  const inserted: Array<{ id: string }> = await manager.query(
    `INSERT INTO customers (id, external_id, email, name, attributes)
     SELECT id, external_id, email, name, attributes FROM json_to_recordset($1::json)
         AS r(id uuid, external_id text, email text, name text, attributes jsonb)
     ON CONFLICT DO NOTHING RETURNING id`,
    [
      JSON.stringify(
        ordered.map((row) => ({ id: row.id, external_id: row.external_id, email: row.email, name: row.name, attributes: row.attributes })),
      ),
    ],
  );
  return new Set(inserted.map((row) => row.id));
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
