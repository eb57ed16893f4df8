import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { inTransaction, sqlState } from '../../database/transactions';
import { ClmError } from '../../server/errors';
import type { LifecycleModelService } from '../lifecycle/lifecycle-model.service';
import { enterLifecycle, newCustomerState } from '../lifecycle/rule-engine';
import type { CommitNotifier } from '../stream/commit-notifier';
import { Customer } from './customer.entity';
import {
  afterClause,
  CUSTOMER_SORT_COLUMNS,
  decodeSortKey,
  encodeSortKey,
  filterClause,
  forwardWalk,
  orderClause,
  reverseWalk,
} from './customer-query';
import type { CustomerFilterSpec, CustomerSortField, SortDirection, SortKey } from './customer-query';
import { writeTransitions } from './customer-state';

export type CustomerFields = {
  externalId?: string | null;
  email?: string | null;
  name?: string | null;
  attributes?: Record<string, unknown> | null;
};

export type CustomerLookup = { id?: string | null; externalId?: string | null; email?: string | null };

export type PageRequest = { first?: number | null; after?: string | null; last?: number | null; before?: string | null };

export type CustomerPage = {
  edges: Array<{ cursor: string; node: Customer }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  countTotal: () => Promise<number>;
};

export const MAX_PAGE_SIZE = 500;
const DEFAULT_PAGE_SIZE = 50;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Customers: create, change, delete, find and list. */
export class CustomerService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly models: LifecycleModelService,
    private readonly notifier: CommitNotifier,
  ) {}

  /** Finds one customer by exactly one of id, externalId, email. */
  async find(lookup: CustomerLookup): Promise<Customer | null> {
    const given = (['id', 'externalId', 'email'] as const).filter((key) => lookup[key] != null);
    if (given.length !== 1) throw new ClmError('INVALID_INPUT', 'give exactly one of id, externalId, email', { field: 'id' });
    const repository = this.dataSource.getRepository(Customer);
    if (lookup.id != null) return UUID_PATTERN.test(lookup.id) ? repository.findOneBy({ id: lookup.id.toLowerCase() }) : null;
    if (lookup.externalId != null) return repository.findOneBy({ externalId: lookup.externalId });
    return repository.findOneBy({ email: (lookup.email as string).trim().toLowerCase() });
  }

  async get(id: string): Promise<Customer> {
    const customer = await this.find({ id });
    if (!customer) throw new ClmError('CUSTOMER_NOT_FOUND', `no customer with id "${id}"`, { field: 'id' });
    return customer;
  }

  /** Creates a customer; it enters the first stage of the lifecycle at once (cause `created`). */
  async create(fields: CustomerFields): Promise<Customer> {
    const values = normaliseFields(fields);
    if (values.externalId == null && values.email == null) {
      throw new ClmError('INVALID_INPUT', 'input: give an externalId or an email so later events can find this customer', {
        field: 'input.externalId',
      });
    }
    const model = await this.models.current();
    const id = randomUUID();
    const now = new Date();
    const entered = enterLifecycle(model, newCustomerState(), now, 'created');
    await this.withConflictMessages(() =>
      inTransaction(this.dataSource, async (manager) => {
        await manager.query(
          `INSERT INTO customers (id, external_id, email, name, attributes, stage, stage_entered_at, funnel_stage)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $6)`,
          [
            id,
            values.externalId ?? null,
            values.email ?? null,
            values.name ?? null,
            JSON.stringify(values.attributes ?? {}),
            entered.state.stage,
            now.toISOString(),
          ],
        );
        await writeTransitions(
          manager,
          entered.transitions.map((transition) => ({ ...transition, customerId: id })),
        );
      }),
    );
    this.notifier.committed();
    return this.get(id);
  }

  /** Changes identity fields and merges `attributes` into the stored ones (a null attribute value removes the key). */
  async update(id: string, fields: CustomerFields): Promise<Customer> {
    const values = normaliseFields(fields);
    const sets: string[] = [];
    const parameters: unknown[] = [id];
    const set = (column: string, value: unknown, cast = '') => {
      parameters.push(value);
      sets.push(`${column} = $${parameters.length}${cast}`);
    };
    if (values.externalId !== undefined) set('external_id', values.externalId);
    if (values.email !== undefined) set('email', values.email);
    if (values.name !== undefined) set('name', values.name);
    if (values.attributes != null) {
      const removed = Object.keys(values.attributes).filter((key) => values.attributes?.[key] === null);
      parameters.push(JSON.stringify(values.attributes), removed);
      sets.push(`attributes = jsonb_strip_nulls(attributes || $${parameters.length - 1}::jsonb) - $${parameters.length}::text[]`);
    }
    if (sets.length > 0) {
      const updated = await this.withConflictMessages(() =>
        this.dataSource.query(`UPDATE customers SET ${sets.join(', ')}, updated_at = now() WHERE id = $1 RETURNING id`, parameters),
      );
      if ((updated as unknown[][])[0].length === 0)
        throw new ClmError('CUSTOMER_NOT_FOUND', `no customer with id "${id}"`, { field: 'id' });
    }
    return this.get(id);
  }

  /**
   * Deletes a customer with their touchpoints and transitions. Their
   * messageIds are kept, so a replayed event stays a duplicate and does not
   * bring the customer back.
   */
  async delete(id: string): Promise<boolean> {
    if (!UUID_PATTERN.test(id)) return false;
    return inTransaction(this.dataSource, async (manager) => {
      await manager.query(
        `INSERT INTO deleted_message_ids (message_id) SELECT message_id FROM touchpoints WHERE customer_id = $1 ON CONFLICT DO NOTHING`,
        [id],
      );
      const [, count] = await manager.query(`DELETE FROM customers WHERE id = $1`, [id]);
      return count > 0;
    });
  }

  /** A Relay page of customers; `totalCount` is counted only when asked for. */
  async list(
    filter: CustomerFilterSpec,
    sort: { field: CustomerSortField; direction: SortDirection },
    page: PageRequest,
  ): Promise<CustomerPage> {
    const { size, backwards, cursor } = pageWindow(page);
    const column = CUSTOMER_SORT_COLUMNS[sort.field];
    const walk = backwards ? reverseWalk(sort.direction) : forwardWalk(sort.direction);
    const parameters: unknown[] = [];
    const where = [filterClause(filter, parameters)];
    if (cursor) where.push(afterClause(column, walk, cursor, parameters));
    parameters.push(size + 1);
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT c.id, c.${column}::text AS sort_value FROM customers c
        WHERE ${where.join(' AND ')} ORDER BY ${orderClause(column, walk)} LIMIT $${parameters.length}`,
      parameters,
    );
    const hasMore = rows.length > size;
    const window = rows.slice(0, size);
    if (backwards) window.reverse();
    const byId = new Map(
      (await this.dataSource.getRepository(Customer).findBy(window.map((row) => ({ id: row.id as string })))).map((customer) => [
        customer.id,
        customer,
      ]),
    );
    const edges = window.map((row) => ({
      cursor: encodeSortKey({ value: row.sort_value as string | null, id: row.id as string }),
      node: byId.get(row.id as string) as Customer,
    }));
    return {
      edges,
      pageInfo: {
        hasNextPage: backwards ? page.before != null : hasMore,
        hasPreviousPage: backwards ? hasMore : page.after != null,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
      countTotal: async () => {
        const countParameters: unknown[] = [];
        const [row] = await this.dataSource.query(
          `SELECT count(*)::int AS count FROM customers c WHERE ${filterClause(filter, countParameters)}`,
          countParameters,
        );
        return row.count as number;
      },
    };
  }

  private async withConflictMessages<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (sqlState(error) !== '23505') throw error;
      const detail = String(
        (error as { detail?: string }).detail ?? (error as { driverError?: { detail?: string } }).driverError?.detail ?? '',
      );
      const field = detail.includes('email') ? 'email' : 'externalId';
      throw new ClmError('CUSTOMER_CONFLICT', `${field}: another customer already has this ${field}`, { field });
    }
  }
}

function normaliseFields(fields: CustomerFields): CustomerFields {
  for (const [field, value] of Object.entries(fields)) {
    const text = typeof value === 'string' ? value : value == null ? '' : JSON.stringify(value);
    if (text.includes('\u0000') || text.includes('\\u0000')) {
      throw new ClmError('INVALID_INPUT', `${field}: contains a NUL character (\\u0000), which cannot be stored`, { field });
    }
  }
  const text = (value: string | null | undefined) => (value === undefined ? undefined : value === null ? null : value.trim() || null);
  const email = text(fields.email);
  if (email != null && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    throw new ClmError('INVALID_INPUT', `email: "${email}" is not an email address`, { field: 'email' });
  }
  return {
    externalId: text(fields.externalId),
    email: email?.toLowerCase() ?? email,
    name: text(fields.name),
    attributes: fields.attributes,
  };
}

function pageWindow(page: PageRequest): { size: number; backwards: boolean; cursor: SortKey | null } {
  if (page.first != null && page.last != null) throw new ClmError('INVALID_INPUT', 'give first or last, not both', { field: 'last' });
  const backwards = page.last != null || (page.before != null && page.after == null);
  const size = (backwards ? page.last : page.first) ?? DEFAULT_PAGE_SIZE;
  const field = backwards ? 'last' : 'first';
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE) {
    throw new ClmError('INVALID_INPUT', `${field}: must be between 0 and ${MAX_PAGE_SIZE}`, { field });
  }
  const raw = backwards ? page.before : page.after;
  return { size, backwards, cursor: raw == null ? null : decodeSortKey(raw, backwards ? 'before' : 'after') };
}
