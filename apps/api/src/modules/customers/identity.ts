import { randomUUID } from 'node:crypto';
import type { JsonValue } from '@clm/schema';
import type { CustomerRow } from './customer.sql';

/*
 * Identity resolution, pure: which customer each event belongs to, given the
 * customers already known. Precedence: id, then externalId, then email.
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
 * gives both identities) are one customer.
 */

/** How an event names its customer (validated, normalised). */
export type CustomerReference = {
  id: string | null;
  externalId: string | null;
  email: string | null;
  name: string | null;
  attributes: Record<string, JsonValue>;
};

/** One event to place: its position in the batch and its customer reference. */
export type IdentityClaim = { index: number; customer: CustomerReference };

export type IdentityRejection = { index: number; field: string; message: string };

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
  /** Claims that cannot be placed, with the field to blame (relative to the claim). */
  rejected: IdentityRejection[];
};

/** Customer rows known so far, indexed by each identity. */
export class CustomerDirectory {
  readonly byId = new Map<string, CustomerRow>();
  readonly byExternalId = new Map<string, CustomerRow>();
  readonly byEmail = new Map<string, CustomerRow>();

  add(rows: readonly CustomerRow[]): void {
    for (const row of rows) {
      this.byId.set(row.id, row);
      if (row.external_id !== null) this.byExternalId.set(row.external_id, row);
      if (row.email !== null) this.byEmail.set(row.email, row);
    }
  }
}

/**
 * Places each claim on a known customer or on a new one (created once per
 * person, however many claims name them and in whichever order), in the
 * order given. Changes neither the directory nor its rows.
 */
export function assignCustomers(claims: readonly IdentityClaim[], directory: CustomerDirectory, now = new Date()): Assignment {
  const assignment: Assignment = { customerOf: new Map(), created: [], links: new Map(), emails: new Map(), rejected: [] };
  const state = { assignment, directory, byExternalId: new Map(directory.byExternalId), byEmail: new Map(directory.byEmail) };
  const reject = (claim: IdentityClaim, field: string, message: string) => assignment.rejected.push({ index: claim.index, field, message });

  for (const claim of claims) {
    const { id, externalId, email } = claim.customer;
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
    if (!customer) {
      customer = newCustomerRow(claim.customer, now);
      assignment.created.push(customer);
    }
    fillIdentity(state, customer, externalId, email);
    assignment.customerOf.set(claim.index, customer.id);
  }
  return assignment;
}

type AssignmentState = {
  assignment: Assignment;
  directory: CustomerDirectory;
  byExternalId: Map<string, CustomerRow>;
  byEmail: Map<string, CustomerRow>;
};

const externalIdOf = (state: AssignmentState, row: CustomerRow) => state.assignment.links.get(row.id) ?? row.external_id;
const emailOf = (state: AssignmentState, row: CustomerRow) => state.assignment.emails.get(row.id) ?? row.email;

/** Gives the customer the identities of a claim it lacks (none it has is replaced), and indexes them. */
function fillIdentity(state: AssignmentState, customer: CustomerRow, externalId: string | null, email: string | null): void {
  if (externalId !== null && externalIdOf(state, customer) === null) state.assignment.links.set(customer.id, externalId);
  if (email !== null && emailOf(state, customer) === null) state.assignment.emails.set(customer.id, email);
  if (externalId !== null && externalIdOf(state, customer) === externalId) state.byExternalId.set(externalId, customer);
  if (email !== null && emailOf(state, customer) === email) state.byEmail.set(email, customer);
}

/**
 * One customer found by the claim's externalId, another by its email: when
 * at most one of them is stored and neither holds an identity that rules the
 * other out, they are one person. The new one is folded into the stored one
 * (or into the one created first): its claims move over, and it is not
 * created. Returns the survivor, or null when they are two people.
 */
function mergeNew(state: AssignmentState, byExternal: CustomerRow, byMail: CustomerRow): CustomerRow | null {
  const { assignment, directory } = state;
  const isNew = (row: CustomerRow) => !directory.byId.has(row.id);
  if (!isNew(byExternal) && !isNew(byMail)) return null;
  if (emailOf(state, byExternal) !== null || externalIdOf(state, byMail) !== null) return null;
  const createdFirst = assignment.created.indexOf(byExternal) < assignment.created.indexOf(byMail);
  const [survivor, absorbed] = !isNew(byExternal) || (isNew(byMail) && createdFirst) ? [byExternal, byMail] : [byMail, byExternal];
  assignment.created = assignment.created.filter((row) => row !== absorbed);
  for (const [index, customerId] of assignment.customerOf) if (customerId === absorbed.id) assignment.customerOf.set(index, survivor.id);
  const absorbedExternalId = externalIdOf(state, absorbed);
  const absorbedEmail = emailOf(state, absorbed);
  assignment.links.delete(absorbed.id);
  assignment.emails.delete(absorbed.id);
  fillIdentity(state, survivor, absorbedExternalId, absorbedEmail);
  return survivor;
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
  return compareText(left.external_id, right.external_id) || compareText(left.email, right.email);
}

function compareText(left: string | null, right: string | null): number {
  if (left === right) return 0;
  if (left === null) return 1;
  if (right === null) return -1;
  return left < right ? -1 : 1;
}
