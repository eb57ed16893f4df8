import { randomUUID } from 'node:crypto';
import type { JsonValue } from '@clm/schema';
import type { CustomerRow } from './customer.sql';

/*
 * Identity resolution, pure: which customer each event belongs to, given the
 * customers already known. Precedence: id, then externalId, then email. An
 * email match without an externalId takes the event's externalId (the
 * anonymous-then-known case); an externalId and an email that name two
 * different customers are refused, never merged silently.
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
  /** Customers to create, in claim order. */
  created: CustomerRow[];
  /** Existing customers that gain an externalId: id → externalId. */
  links: Map<string, string>;
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

/** Places each claim on a known customer or on a new one (created once per identity, however many claims name it). */
export function assignCustomers(claims: readonly IdentityClaim[], directory: CustomerDirectory, now = new Date()): Assignment {
  const assignment: Assignment = { customerOf: new Map(), created: [], links: new Map(), rejected: [] };
  const byExternalId = new Map(directory.byExternalId);
  const byEmail = new Map(directory.byEmail);
  const reject = (claim: IdentityClaim, field: string, message: string) => assignment.rejected.push({ index: claim.index, field, message });

  for (const claim of claims) {
    const { id, externalId, email } = claim.customer;
    if (id !== null) {
      if (directory.byId.has(id)) assignment.customerOf.set(claim.index, id);
      else reject(claim, 'customer.id', `no customer with id "${id}"`);
      continue;
    }
    const byExternal = externalId !== null ? byExternalId.get(externalId) : undefined;
    const byMail = email !== null ? byEmail.get(email) : undefined;
    if (byExternal && byMail && byExternal.id !== byMail.id) {
      reject(claim, 'customer', `externalId "${externalId}" and email "${email}" belong to different customers`);
      continue;
    }
    const mailExternalId = byMail ? (assignment.links.get(byMail.id) ?? byMail.external_id) : null;
    if (!byExternal && byMail && externalId !== null && mailExternalId !== null) {
      reject(claim, 'customer.email', `"${email}" belongs to a customer with another externalId`);
      continue;
    }
    let customer = byExternal ?? byMail;
    if (customer && externalId !== null && customer.external_id === null && !assignment.links.has(customer.id)) {
      assignment.links.set(customer.id, externalId);
      byExternalId.set(externalId, customer);
    }
    if (!customer) {
      customer = newCustomerRow(claim.customer, now);
      assignment.created.push(customer);
      if (externalId !== null) byExternalId.set(externalId, customer);
      if (email !== null) byEmail.set(email, customer);
    }
    assignment.customerOf.set(claim.index, customer.id);
  }
  return assignment;
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
