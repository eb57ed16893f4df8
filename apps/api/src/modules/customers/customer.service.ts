import { randomUUID } from 'node:crypto';
import DataLoader from 'dataloader';
import { storableDate } from '../../core/dates';
import { invalidInput } from '../../core/errors';
import {
  findUnstorableText,
  isEmail,
  isUuid,
  jsonBytes,
  MAX_JSON_BYTES,
  MAX_JSON_DEPTH,
  MAX_TEXT,
  nestsDeeperThan,
  normaliseEmail,
  textProblem,
} from '../../core/ids';
import { pageWindow, toPage } from '../../core/pagination';
import { requestScoped } from '../../core/request-context';
import type { RequestScoped } from '../../core/request-context';
import type { Page, PageRequest } from '../../core/pagination';
import { sqlDetail, sqlState } from '../../database/db';
import type { Db, UnitOfWork } from '../../database/db';
import type { Customer, CustomerIdentity } from './customer.type';
import { customerConflict, customerNotFound } from './customer.errors';
import {
  countCustomers,
  customerColumns,
  customerCursor,
  deleteCustomer,
  findCustomer,
  findCustomers,
  insertCustomer,
  readCustomerPage,
  toCustomer,
  updateCustomer,
} from './customer.sql';
import { identitiesOfCustomers, isFindable, ownerOfIdentity, toCustomerIdentity } from './customer-identity.sql';
import { survivorOf } from './customer-merge.sql';
import { resolveCustomerFilter } from './customer-filter';
import type { CustomerFilterSpec, CustomerRelations } from './customer-filter';
import type { CustomerFields, CustomerSort } from './customer.sql';

export type CustomerLookup = { id?: string | null; externalId?: string | null; email?: string | null; anonymousId?: string | null };

/** A page of customers; `countTotal` runs only when a client selects totalCount. */
export type CustomerPage = Page<Customer> & { countTotal: () => Promise<number> };

/**
 * What other modules do when customers come and go, inside the same
 * transaction. The composition root (server/services.ts) plugs them in, so
 * this module depends on none of them.
 */
export type CustomerHooks = {
  /** A customer created through the API enters the lifecycle (lifecycle's journey writer). */
  created: (uow: UnitOfWork, customerId: string, at: Date) => Promise<void>;
  /** A customer's identity or attributes changed (segments re-evaluate them), after the update. */
  updated: (uow: UnitOfWork, customerId: string) => Promise<void>;
  /** A customer is about to be deleted (touchpoints keeps their messageIds, so replays stay duplicates). */
  deleting: (uow: UnitOfWork, customerId: string) => Promise<void>;
};

export const MAX_PAGE_SIZE = 500;
const PAGE_LIMITS = { defaultSize: 50, maxSize: MAX_PAGE_SIZE };

/** Customers: create, change, delete, find and list. */
export class CustomerService {
  /** Per request: customers by id, batched across a response (transitions and touchpoints name their customer). */
  readonly byId: RequestScoped<DataLoader<string, Customer | null>> = requestScoped(
    () => new DataLoader((ids: readonly string[]) => this.findMany(ids)),
  );

  /** Per request: each customer's identities, oldest first, batched across a response. */
  readonly identities: RequestScoped<DataLoader<string, CustomerIdentity[]>> = requestScoped(
    () => new DataLoader((ids: readonly string[]) => this.identitiesOf(ids)),
  );

  constructor(
    private readonly db: Db,
    private readonly hooks: CustomerHooks,
    private readonly relations: CustomerRelations,
  ) {}

  /** Finds one customer by exactly one of id, externalId, email, anonymousId. */
  async find(lookup: CustomerLookup): Promise<Customer | null> {
    const given = (['id', 'externalId', 'email', 'anonymousId'] as const).filter((key) => lookup[key] != null);
    if (given.length !== 1) throw invalidInput('id', 'give exactly one of id, externalId, email, anonymousId');
    // Text PostgreSQL cannot store cannot name anyone.
    if (given.some((key) => textProblem(lookup[key] ?? '') !== null)) return null;
    let row;
    if (lookup.id != null) {
      if (!isUuid(lookup.id)) return null;
      const id = lookup.id.toLowerCase();
      row = await findCustomer(this.db, { id });
      // A merged customer's id keeps finding the survivor, which says so.
      const survivor = row === null ? await survivorOf(this.db, id) : null;
      const found = survivor === null ? null : await findCustomer(this.db, { id: survivor });
      if (found !== null) return Object.assign(toCustomer(found), { mergedId: id });
    }
    if (row !== undefined) return row === null ? null : toCustomer(row);
    // The identities table, not the row's columns: an identity a merge moved finds the survivor.
    const owner =
      lookup.externalId != null
        ? await ownerOfIdentity(this.db, 'external_id', lookup.externalId)
        : lookup.email != null
          ? await ownerOfIdentity(this.db, 'email', normaliseEmail(lookup.email))
          : await ownerOfIdentity(this.db, 'anonymous_id', lookup.anonymousId ?? '');
    row = owner === null ? null : await findCustomer(this.db, { id: owner });
    return row === null ? null : toCustomer(row);
  }

  /** Each customer's identities, oldest first, in one statement (for per-request loaders). */
  async identitiesOf(ids: readonly string[]): Promise<CustomerIdentity[][]> {
    const rows = await identitiesOfCustomers(this.db, ids.filter(isUuid));
    const byCustomer = new Map<string, CustomerIdentity[]>();
    for (const row of rows) byCustomer.set(row.customer_id, [...(byCustomer.get(row.customer_id) ?? []), toCustomerIdentity(row)]);
    return ids.map((id) => byCustomer.get(id) ?? []);
  }

  async get(id: string): Promise<Customer> {
    const customer = await this.find({ id });
    if (!customer) throw customerNotFound(id);
    return customer;
  }

  /** Customers by id, in one statement (for per-request loaders); missing ones are null. */
  async findMany(ids: readonly string[]): Promise<Array<Customer | null>> {
    const rows = await findCustomers(this.db, ids.filter(isUuid));
    const byId = new Map(rows.map((row) => [row.id, toCustomer(row)]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /** Creates a customer; it enters the first stage of the lifecycle at once (cause `created`). */
  async create(fields: CustomerFields): Promise<Customer> {
    const values = normaliseFields(fields);
    if (values.externalId == null && values.email == null) {
      throw invalidInput('input.externalId', 'give an externalId or an email so later events can find this customer');
    }
    const id = randomUUID();
    await this.withConflictMessages(() =>
      this.db.transaction(async (uow) => {
        await insertCustomer(uow, id, values);
        await this.hooks.created(uow, id, new Date());
      }),
    );
    return this.get(id);
  }

  /** Changes identity fields and merges `attributes` into the stored ones (a null attribute value removes the key). */
  async update(id: string, fields: CustomerFields): Promise<Customer> {
    const values = normaliseFields(fields);
    const found =
      isUuid(id) &&
      (await this.withConflictMessages(() =>
        this.db.transaction(async (uow) => {
          const updated = await updateCustomer(uow, id.toLowerCase(), values);
          if (!updated) return false;
          if (!(await isFindable(uow, id.toLowerCase()))) throw unfindable();
          await this.hooks.updated(uow, id.toLowerCase());
          return true;
        }),
      ));
    if (!found) throw customerNotFound(id);
    return this.get(id);
  }

  /**
   * Deletes a customer with their touchpoints and transitions. Their
   * messageIds are kept, so a replayed event stays a duplicate and does not
   * bring the customer back.
   */
  async delete(id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    return this.db.transaction(async (uow) => {
      await this.hooks.deleting(uow, id.toLowerCase());
      return deleteCustomer(uow, id.toLowerCase());
    });
  }

  /**
   * A Relay page of customers, read in one statement with the columns of
   * `fields` (the node fields a client selected; all when null);
   * `totalCount` is counted only when asked for.
   */
  async list(
    filter: CustomerFilterSpec,
    sort: CustomerSort,
    page: PageRequest,
    fields: ReadonlySet<string> | null = null,
  ): Promise<CustomerPage> {
    const window = pageWindow(page, PAGE_LIMITS);
    if (filter.seenSince) storableDate(filter.seenSince, 'filter.seenSince');
    if (filter.segment != null && !isUuid(filter.segment)) throw invalidInput('filter.segment', `"${filter.segment}" is not a segment id`);
    if (nestsDeeperThan(filter.attributes, MAX_JSON_DEPTH))
      throw invalidInput('filter.attributes', `must not nest deeper than ${MAX_JSON_DEPTH} levels`);
    const unstorable = findUnstorableText({ stages: filter.stages, attributes: filter.attributes, search: filter.search }, 'filter');
    if (unstorable !== null) throw invalidInput(unstorable.field, unstorable.message);
    const resolved = await resolveCustomerFilter(filter, this.relations);
    const rows = await readCustomerPage(this.db, resolved, this.relations, sort, window, customerColumns(fields));
    return {
      ...toPage(rows, window, (row) => customerCursor(sort, row), toCustomer),
      countTotal: () => countCustomers(this.db, resolved, this.relations),
    };
  }

  private async withConflictMessages<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (sqlState(error) !== '23505') throw error;
      throw customerConflict(sqlDetail(error).includes('email') ? 'email' : 'externalId');
    }
  }
}

function unfindable() {
  return invalidInput('input', 'a customer must keep an externalId, an email or an anonymousId, or no event could find them');
}

function normaliseFields(fields: CustomerFields): CustomerFields {
  if (nestsDeeperThan(fields.attributes, MAX_JSON_DEPTH))
    throw invalidInput('input.attributes', `must not nest deeper than ${MAX_JSON_DEPTH} levels`);
  const unstorable = findUnstorableText(fields, 'input');
  if (unstorable !== null) throw invalidInput(unstorable.field, unstorable.message);
  const text = (value: string | null | undefined) => (value === undefined ? undefined : value === null ? null : value.trim() || null);
  for (const field of ['externalId', 'email', 'name'] as const) {
    if ((text(fields[field])?.length ?? 0) > MAX_TEXT) throw invalidInput(`input.${field}`, `must be at most ${MAX_TEXT} characters`);
  }
  if (fields.attributes != null && jsonBytes(fields.attributes) > MAX_JSON_BYTES) {
    throw invalidInput('input.attributes', `must be at most ${MAX_JSON_BYTES} bytes of JSON`);
  }
  const email = text(fields.email);
  if (email != null && !isEmail(email)) throw invalidInput('email', `"${email}" is not an email address`);
  return {
    externalId: text(fields.externalId),
    email: email == null ? email : normaliseEmail(email),
    name: text(fields.name),
    attributes: fields.attributes,
  };
}
