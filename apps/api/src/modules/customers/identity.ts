import { randomUUID } from 'node:crypto';
import type { JsonValue } from '@clm/schema';
import type { CustomerRow } from './customer.sql';

/*
 * Identity resolution, pure: which customer each event belongs to, given the
 * customers already known. Precedence: id, then externalId, then email, then
 * anonymousId (a customer holds any number of anonymousIds, each owned by one
 * customer).
 *
 * An event fills in what its customer lacks and never replaces what it has:
 * a customer without an externalId takes the event's (the
 * anonymous-then-known case), one without an email takes its email, and
 * (`fillDetails`) a missing name and missing attribute keys come from the
 * event. Claims count in the order given (ingest: messageId order), so the
 * first claim to bring a detail wins. An externalId and an email that name
 * two different stored customers are refused, never merged silently; two
 * customers that only this batch would create, or one stored and one only
 * this batch would create, that turn out to be one person (a later claim
 * gives both identities) are one customer. An anonymousId owned by another
 * stored customer than the one the claim's externalId or email names is a
 * link between two stored customers: the claim goes to the customer its
 * higher identity names, and the link is reported in `joins` (the caller
 * decides whether to merge them).
 */

/** How an event names its customer (validated, normalised). */
export type CustomerReference = {
  id: string | null;
  externalId: string | null;
  email: string | null;
  /** An id the sender gave the visitor before knowing who they are (Segment's anonymousId). */
  anonymousId: string | null;
  name: string | null;
  attributes: Record<string, JsonValue>;
};

/** One event to place: its position in the batch and its customer reference. */
export type IdentityClaim = { index: number; customer: CustomerReference };

export type IdentityRejection = { index: number; field: string; message: string };

/** A claim linking two stored customers: its externalId or email names `into`, its anonymousId belongs to `from`. */
export type IdentityJoin = { index: number; into: string; from: string; anonymousId: string };

/** What `assignCustomers` decided. */
export type Assignment = {
  /** Claim index → customer id. */
  customerOf: Map<number, string>;
  /** Customers to create, in claim order, each as its first claim named it (identities gained later are in `links` and `emails`). */
  created: CustomerRow[];
  /** Customers that gain an externalId: id → externalId. */
  links: Map<string, string>;
  /** Customers that gain an email: id → email. */
  emails: Map<string, string>;
  /** AnonymousIds given to a customer (stored or new): anonymousId → customer id. */
  anonymous: Map<string, string>;
  /** Claims whose identities name two stored customers that may be one person: `into` holds the higher identity. */
  joins: IdentityJoin[];
  /** Claims that cannot be placed, with the field to blame (relative to the claim). */
  rejected: IdentityRejection[];
};

/** Customer rows known so far, indexed by each identity. */
export class CustomerDirectory {
  readonly byId = new Map<string, CustomerRow>();
  readonly byExternalId = new Map<string, CustomerRow>();
  readonly byEmail = new Map<string, CustomerRow>();
  readonly byAnonymousId = new Map<string, CustomerRow>();

  /** Indexes rows by id and by the externalId and email they hold. */
  add(rows: readonly CustomerRow[]): void {
    for (const row of rows) {
      this.byId.set(row.id, row);
      if (row.external_id !== null) this.byExternalId.set(row.external_id, row);
      if (row.email !== null) this.byEmail.set(row.email, row);
    }
  }

  /**
   * Indexes identities held in the identities table (anonymousIds, and the
   * externalIds and emails a customer kept from customers merged into it);
   * their customers must have been added.
   */
  addIdentities(identities: readonly StoredIdentity[]): void {
    for (const identity of identities) {
      const row = this.byId.get(identity.customerId);
      if (!row) continue;
      const index = identity.kind === 'external_id' ? this.byExternalId : identity.kind === 'email' ? this.byEmail : this.byAnonymousId;
      index.set(identity.value, row);
    }
  }
}

/** The kinds of identity a customer is known by, besides its internal id. */
export type IdentityKind = 'external_id' | 'email' | 'anonymous_id';

/** One row of the identities table: which customer holds an identity. */
export type StoredIdentity = {
  kind: IdentityKind;
  value: string;
  customerId: string;
  /** The merge that gave the identity to its holder, if one did. */
  mergeId?: string | null;
};

/**
 * Places each claim on a known customer or on a new one (created once per
 * person, however many claims name them and in whichever order), in the
 * order given. Changes neither the directory nor its rows.
 */
export function assignCustomers(claims: readonly IdentityClaim[], directory: CustomerDirectory, now = new Date()): Assignment {
  const assignment: Assignment = {
    customerOf: new Map(),
    created: [],
    links: new Map(),
    emails: new Map(),
    anonymous: new Map(),
    joins: [],
    rejected: [],
  };
  const state: AssignmentState = {
    assignment,
    directory,
    byExternalId: new Map(directory.byExternalId),
    byEmail: new Map(directory.byEmail),
    byAnonymousId: new Map(directory.byAnonymousId),
  };
  const reject = (claim: IdentityClaim, field: string, message: string) => assignment.rejected.push({ index: claim.index, field, message });

  for (const claim of claims) {
    const { id, externalId, email, anonymousId } = claim.customer;
    if (id !== null) {
      if (directory.byId.has(id)) assignment.customerOf.set(claim.index, id);
      else reject(claim, 'customer.id', `no customer with id "${id}"`);
      continue;
    }
    const byExternal = externalId !== null ? state.byExternalId.get(externalId) : undefined;
    const byMail = email !== null ? state.byEmail.get(email) : undefined;
    let customer = byExternal ?? byMail;
    if (byExternal && byMail && byExternal.id !== byMail.id) {
      const survivor = mergeNew(state, byExternal, byMail);
      if (survivor === null) {
        reject(claim, 'customer', `externalId "${externalId}" and email "${email}" belong to different customers`);
        continue;
      }
      customer = survivor;
    } else if (!byExternal && byMail && externalId !== null && externalIdOf(state, byMail) !== null) {
      reject(claim, 'customer.email', `"${email}" belongs to a customer with another externalId`);
      continue;
    }
    const byAnonymous = anonymousId !== null ? state.byAnonymousId.get(anonymousId) : undefined;
    if (customer && byAnonymous && byAnonymous.id !== customer.id && anonymousId !== null) {
      const bothStored = directory.byId.has(customer.id) && directory.byId.has(byAnonymous.id);
      if (bothStored && compatible(state, customer, byAnonymous))
        assignment.joins.push({ index: claim.index, into: customer.id, from: byAnonymous.id, anonymousId });
      else customer = mergeNew(state, customer, byAnonymous) ?? customer;
    }
    customer ??= byAnonymous;
    if (!customer) {
      customer = newCustomerRow(claim.customer, now);
      assignment.created.push(customer);
    }
    fillIdentity(state, customer, externalId, email);
    if (anonymousId !== null && !state.byAnonymousId.has(anonymousId)) {
      state.byAnonymousId.set(anonymousId, customer);
      assignment.anonymous.set(anonymousId, customer.id);
    }
    assignment.customerOf.set(claim.index, customer.id);
  }
  return assignment;
}

type AssignmentState = {
  assignment: Assignment;
  directory: CustomerDirectory;
  byExternalId: Map<string, CustomerRow>;
  byEmail: Map<string, CustomerRow>;
  byAnonymousId: Map<string, CustomerRow>;
};

const externalIdOf = (state: AssignmentState, row: CustomerRow) => state.assignment.links.get(row.id) ?? row.external_id;
const emailOf = (state: AssignmentState, row: CustomerRow) => state.assignment.emails.get(row.id) ?? row.email;

/** Gives the customer the identities of a claim it lacks (none it has is replaced), and indexes them. */
function fillIdentity(state: AssignmentState, customer: CustomerRow, externalId: string | null, email: string | null): void {
  // An identity the customer holds already (one a merge gave it, kept beside the one on its row) is not given again.
  const holds = (index: ReadonlyMap<string, CustomerRow>, value: string) => index.get(value)?.id === customer.id;
  if (externalId !== null && externalIdOf(state, customer) === null && !holds(state.directory.byExternalId, externalId))
    state.assignment.links.set(customer.id, externalId);
  if (email !== null && emailOf(state, customer) === null && !holds(state.directory.byEmail, email))
    state.assignment.emails.set(customer.id, email);
  if (externalId !== null && externalIdOf(state, customer) === externalId) state.byExternalId.set(externalId, customer);
  if (email !== null && emailOf(state, customer) === email) state.byEmail.set(email, customer);
}

/**
 * Two customers named by one claim (by its externalId and its email, or by
 * either and its anonymousId): when at most one of them is stored and they
 * hold no two different identities of one kind, they are one person. The
 * new one is folded into the stored one (or into the one created first): its
 * claims and anonymousIds move over, and it is not created. Returns the
 * survivor, or null when they are two people (or both stored).
 */
function mergeNew(state: AssignmentState, first: CustomerRow, second: CustomerRow): CustomerRow | null {
  const { assignment, directory } = state;
  const isNew = (row: CustomerRow) => !directory.byId.has(row.id);
  if ((!isNew(first) && !isNew(second)) || !compatible(state, first, second)) return null;
  const createdFirst = assignment.created.indexOf(first) < assignment.created.indexOf(second);
  const [survivor, absorbed] = !isNew(first) || (isNew(second) && createdFirst) ? [first, second] : [second, first];
  assignment.created = assignment.created.filter((row) => row !== absorbed);
  for (const [index, customerId] of assignment.customerOf) if (customerId === absorbed.id) assignment.customerOf.set(index, survivor.id);
  for (const [anonymousId, customerId] of assignment.anonymous)
    if (customerId === absorbed.id) assignment.anonymous.set(anonymousId, survivor.id);
  for (const [anonymousId, row] of state.byAnonymousId) if (row === absorbed) state.byAnonymousId.set(anonymousId, survivor);
  const absorbedExternalId = externalIdOf(state, absorbed);
  const absorbedEmail = emailOf(state, absorbed);
  assignment.links.delete(absorbed.id);
  assignment.emails.delete(absorbed.id);
  fillIdentity(state, survivor, absorbedExternalId, absorbedEmail);
  return survivor;
}

/** Whether two customers could be one person: they hold no two different externalIds, nor two different emails. */
function compatible(state: AssignmentState, first: CustomerRow, second: CustomerRow): boolean {
  const differ = (left: string | null, right: string | null) => left !== null && right !== null && left !== right;
  return !differ(externalIdOf(state, first), externalIdOf(state, second)) && !differ(emailOf(state, first), emailOf(state, second));
}

/**
 * Fills in the details a customer lacks from a claim (first claim wins): the
 * name when it has none, and each attribute key it does not have. Returns the
 * row with them, or null when the claim brings nothing new.
 */
export function fillDetails(
  row: Pick<CustomerRow, 'name' | 'attributes'>,
  reference: CustomerReference,
): Pick<CustomerRow, 'name' | 'attributes'> | null {
  const name = row.name ?? reference.name;
  const added = Object.entries(reference.attributes).filter(([key]) => !Object.hasOwn(row.attributes, key));
  if (name === row.name && added.length === 0) return null;
  return { name, attributes: added.length === 0 ? row.attributes : { ...row.attributes, ...Object.fromEntries(added) } };
}

/** A customer not yet stored, outside the lifecycle until its first touchpoint. */
export function newCustomerRow(reference: CustomerReference, now: Date): CustomerRow {
  return {
    id: randomUUID(),
    external_id: reference.externalId,
    email: reference.email,
    name: reference.name,
    attributes: reference.attributes,
    stage: null,
    stage_entered_at: null,
    funnel_stage: null,
    type_counts: {},
    first_seen_at: null,
    last_seen_at: null,
    orders: 0,
    revenue: '0',
    created_at: now,
    updated_at: now,
  };
}

/** Key order for inserting new customers, so concurrent creators queue on the unique indexes instead of deadlocking. */
export function compareIdentity(left: CustomerRow, right: CustomerRow): number {
  return compareText(left.external_id, right.external_id) || compareText(left.email, right.email) || compareText(left.id, right.id);
}

function compareText(left: string | null, right: string | null): number {
  if (left === right) return 0;
  if (left === null) return 1;
  if (right === null) return -1;
  return left < right ? -1 : 1;
}
