import { RetryTransaction, sqlState } from '../../database/db';
import type { Queryable } from '../../database/db';
import type { CustomerRow } from './customer.sql';
import { survivorOf } from './customer-merge.sql';
import { addCustomerDetails, fillCustomerIdentities, insertCustomers } from './customer.sql';
import {
  attachAnonymousIds,
  findCustomersByIdentity,
  findIdentityOwners,
  lockCustomersById,
  lockCustomersByIdentity,
} from './customer-identity.sql';
import type { IdentitySet } from './customer-identity.sql';
import { assignCustomers, compareIdentity, CustomerDirectory, fillDetails } from './identity';
import type { Assignment, CustomerReference, IdentityClaim, IdentityJoin, IdentityKind, IdentityRejection } from './identity';

/** An event placed on a customer through an identity that a merge moved to that customer. */
export type Arrival = { mergeId: string; kind: IdentityKind; value: string };

/** An event's claim on a customer, with its messageId (a replayed event must not create anyone). */
export type EventClaim = IdentityClaim & { messageId: string };

/** Who each event belongs to, with every involved customer row locked for this transaction. */
export type Resolution = {
  /** Claim index → customer id, for events that can be stored. */
  customerOf: Map<number, string>;
  /** Every involved customer's locked row, by id (new ones included). */
  rows: Map<string, CustomerRow>;
  /** Claims naming a customer that cannot be theirs; `field` is relative to the claim. */
  rejected: IdentityRejection[];
  /** Claims whose messageId is already known and whose customer would be new: duplicates, and nobody is created. */
  replayed: Set<number>;
  /** Claims linking two stored customers (see identity.ts); both rows are locked. */
  joins: IdentityJoin[];
  /** Claims placed through an identity a merge moved to its holder: claim index → that merge and identity (see MergeService.recordArrivals). */
  arrivals: Map<number, Arrival>;
};

const MAX_ROUNDS = 4;

/**
 * Finds or creates the customer each claim names, and locks every involved
 * row (see identity.ts for the precedence). When another batch creates one of
 * our new customers first, its row is locked and used instead, in the same
 * transaction (no restart). `knownMessageIds` tells which messageIds were
 * stored before (or deleted with their customer).
 */
export async function resolveCustomers(
  db: Queryable,
  given: readonly EventClaim[],
  knownMessageIds: (messageIds: string[]) => Promise<Set<string>>,
): Promise<Resolution> {
  const directory = new CustomerDirectory();
  const wanted = identitiesOf(given.map((claim) => claim.customer));
  const merged = new Map<string, { customerId: string; mergeId: string }>();
  await lockIdentities(db, directory, wanted, await lockCustomersByIdentity(db, wanted), merged);
  const claims = await followMergedIds(db, directory, given);
  for (let round = 1; ; round++) {
    const assignment = assignCustomers(claims, directory);
    const { replayed, known } = await dropReplays(claims, assignment, knownMessageIds);
    completeNewCustomers(claims, assignment, known);
    const ordered = [...assignment.created].sort(compareIdentity);
    const inserted = await insertCustomers(db, ordered, anonymousOfNew(assignment));
    const lost = assignment.created.filter((row) => !inserted.has(row.id));
    if (lost.length === 0) {
      directory.add(assignment.created);
      await fillIdentities(db, directory, assignment);
      if ((await attachAnonymousIds(db, assignment.anonymous)).length > 0)
        throw new RetryTransaction('an anonymousId was given to another customer concurrently');
      const { customerOf, rejected, joins } = assignment;
      return { customerOf, rows: directory.byId, rejected, replayed, joins, arrivals: arrivalsOf(claims, customerOf, merged) };
    }
    if (round === MAX_ROUNDS) throw new RetryTransaction('customers kept being created concurrently');
    directory.add(assignment.created.filter((row) => inserted.has(row.id)));
    const missing = identitiesOf(lost.map((row) => referenceOf(row, assignment)));
    await lockIdentities(db, directory, missing, await lockCustomersByIdentity(db, missing), merged);
  }
}

/**
 * Claims naming a merged customer by id go to its survivor (as
 * `customer(id:)` finds it), whose row is locked too; an id that was never a
 * customer stays as it is, to be refused.
 */
async function followMergedIds(db: Queryable, directory: CustomerDirectory, claims: readonly EventClaim[]): Promise<readonly EventClaim[]> {
  const missing = [
    ...new Set(claims.map((claim) => claim.customer.id).filter((id): id is string => id !== null && !directory.byId.has(id))),
  ];
  if (missing.length === 0) return claims;
  const survivors = new Map<string, string>();
  for (const id of missing) {
    const survivor = await survivorOf(db, id);
    if (survivor !== null) survivors.set(id, survivor);
  }
  if (survivors.size === 0) return claims;
  const unlocked = [...new Set(survivors.values())].filter((id) => !directory.byId.has(id)).sort();
  if (unlocked.length > 0) directory.add(await lockCustomersById(db, unlocked));
  return claims.map((claim) => {
    const survivor = claim.customer.id === null ? undefined : survivors.get(claim.customer.id);
    return survivor === undefined ? claim : { ...claim, customer: { ...claim.customer, id: survivor } };
  });
}

/**
 * Adds locked rows to the directory with who holds each wanted identity.
 * The holders are read after the locks are taken (an identity moves only
 * with both its customers locked, so those of locked rows stay put); one
 * that turns out to be held by a customer not locked yet (created or given
 * it in between) is locked too, and the holders read again.
 */
async function lockIdentities(
  db: Queryable,
  directory: CustomerDirectory,
  wanted: IdentitySet,
  locked: CustomerRow[],
  merged: Map<string, { customerId: string; mergeId: string }>,
): Promise<void> {
  directory.add(locked);
  for (let round = 1; ; round++) {
    const owners = await findIdentityOwners(db, wanted);
    const unlocked = [...new Set(owners.map((owner) => owner.customerId).filter((id) => !directory.byId.has(id)))];
    if (unlocked.length === 0) {
      directory.addIdentities(owners);
      for (const owner of owners)
        if (owner.mergeId) merged.set(identityKey(owner.kind, owner.value), { customerId: owner.customerId, mergeId: owner.mergeId });
      return;
    }
    if (round === MAX_ROUNDS) throw new RetryTransaction('identities kept moving between customers concurrently');
    directory.add(await lockCustomersById(db, unlocked));
  }
}

/**
 * Creates the customers these claims name that do not exist yet, in a
 * statement of its own, before the batch's transaction. The batch then finds
 * them like any existing customer, and its transaction, which holds the
 * writer's turn and its row locks, does no creating (unless another writer
 * changed an identity in between: `resolveCustomers` still creates what is
 * missing). Creating is idempotent, so a batch that fails afterwards leaves
 * only customers its retry will use. The same rules decide whom to create:
 * the same assignment, and nobody for a replayed messageId.
 */
export async function createMissingCustomers(
  db: Queryable,
  claims: readonly EventClaim[],
  knownMessageIds: (messageIds: string[]) => Promise<Set<string>>,
): Promise<void> {
  const directory = new CustomerDirectory();
  const wanted = identitiesOf(claims.map((claim) => claim.customer));
  directory.add(await findCustomersByIdentity(db, wanted));
  directory.addIdentities(await findIdentityOwners(db, wanted));
  let assignment = assignCustomers(claims, directory);
  if (assignment.created.length === 0) return;
  // A replayed event (its messageId already stored) never creates a customer nor gives one its identities: it is a
  // duplicate, and the batch's transaction would not store it on the customer created for it (which would be left
  // without a touchpoint). The new customers are assigned again from the fresh events alone.
  const known = await knownMessageIds(claims.map((claim) => claim.messageId));
  const fresh = known.size === 0 ? claims : claims.filter((claim) => !known.has(claim.messageId));
  if (fresh !== claims) assignment = assignCustomers(fresh, directory);
  completeNewCustomers(fresh, assignment, known);
  const inserted = await insertCustomers(db, [...assignment.created].sort(compareIdentity), anonymousOfNew(assignment));
  // The new customers' other anonymousIds; one another customer took meanwhile is sorted out by the batch's transaction.
  const anonymous = new Map([...assignment.anonymous].filter(([, customerId]) => inserted.has(customerId)));
  await attachAnonymousIds(db, anonymous);
}

/** For each new customer, the first anonymousId it is given (the one an anonymous customer claims when it is created). */
function anonymousOfNew(assignment: Assignment): (row: CustomerRow) => string | null {
  const first = new Map<string, string>();
  for (const [anonymousId, customerId] of assignment.anonymous) if (!first.has(customerId)) first.set(customerId, anonymousId);
  return (row) => first.get(row.id) ?? null;
}

/**
 * Adds the details that these events, newly stored, bring to their
 * customers (whose rows are locked): a missing name, missing attribute keys
 * (see `fillDetails`), the events counting in the order given (ingest:
 * messageId order). Nothing a customer has is replaced; one statement, and
 * none when nothing is new.
 */
export async function addDetails(
  db: Queryable,
  rows: ReadonlyMap<string, CustomerRow>,
  events: ReadonlyArray<{ customerId: string; customer: CustomerReference }>,
): Promise<void> {
  const changed = new Map<string, { row: CustomerRow; details: Pick<CustomerRow, 'name' | 'attributes'> }>();
  for (const { customerId, customer } of events) {
    const row = rows.get(customerId);
    if (!row) continue;
    const filled = fillDetails(changed.get(customerId)?.details ?? row, customer);
    if (filled) changed.set(customerId, { row, details: filled });
  }
  if (changed.size === 0) return;
  await addCustomerDetails(
    db,
    [...changed.values()].map(({ row, details }) => ({ id: row.id, ...details })),
  );
  for (const { row, details } of changed.values()) Object.assign(row, details);
}

/**
 * A new customer is stored with every identity and detail its claims bring
 * (not only its first claim's), the claims counting in the order given;
 * replayed claims (`known` messageIds) bring no details, as a duplicate
 * changes nothing. Identities the assignment gave new customers are taken
 * into their rows, so only stored customers are left in `links` and `emails`.
 */
function completeNewCustomers(claims: readonly EventClaim[], assignment: Assignment, known: ReadonlySet<string>): void {
  const byId = new Map(assignment.created.map((row) => [row.id, row]));
  for (const row of assignment.created) {
    row.external_id ??= assignment.links.get(row.id) ?? null;
    row.email ??= assignment.emails.get(row.id) ?? null;
    assignment.links.delete(row.id);
    assignment.emails.delete(row.id);
    Object.assign(row, { name: null, attributes: {} });
  }
  for (const claim of claims) {
    const row = byId.get(assignment.customerOf.get(claim.index) ?? '');
    const filled = row && !known.has(claim.messageId) ? fillDetails(row, claim.customer) : null;
    if (row && filled) Object.assign(row, filled);
  }
}

/**
 * Writes the identities stored customers gained (an externalId or email they
 * lacked) and updates their rows. Another writer may have given one of those
 * identities to a customer since they were read: the unique index then
 * refuses it, and the transaction starts over and sees that customer.
 */
async function fillIdentities(db: Queryable, directory: CustomerDirectory, assignment: Assignment): Promise<void> {
  const fills = new Map<string, { externalId: string | null; email: string | null }>();
  for (const [id, externalId] of assignment.links) fills.set(id, { externalId, email: null });
  for (const [id, email] of assignment.emails) fills.set(id, { externalId: fills.get(id)?.externalId ?? null, email });
  if (fills.size === 0) return;
  try {
    await fillCustomerIdentities(db, fills);
  } catch (error) {
    if (sqlState(error) === '23505') throw new RetryTransaction('an identity was given to another customer concurrently');
    throw error;
  }
  for (const [id, fill] of fills) {
    const row = directory.byId.get(id);
    if (!row) continue;
    row.external_id ??= fill.externalId;
    row.email ??= fill.email;
  }
}

/**
 * A customer is created only for new events: claims whose messageId is
 * already known and that would create a customer become duplicates, and
 * that customer is not created.
 */
async function dropReplays(
  claims: readonly EventClaim[],
  assignment: ReturnType<typeof assignCustomers>,
  knownMessageIds: (messageIds: string[]) => Promise<Set<string>>,
): Promise<{ replayed: Set<number>; known: Set<string> }> {
  if (assignment.created.length === 0) return { replayed: new Set(), known: new Set() };
  const newIds = new Set(assignment.created.map((row) => row.id));
  const candidates = claims.filter((claim) => newIds.has(assignment.customerOf.get(claim.index) ?? ''));
  const known = await knownMessageIds(candidates.map((claim) => claim.messageId));
  const needed = new Set(candidates.filter((claim) => !known.has(claim.messageId)).map((claim) => assignment.customerOf.get(claim.index)));
  const replayed = new Set<number>();
  for (const claim of candidates) {
    if (needed.has(assignment.customerOf.get(claim.index))) continue;
    assignment.customerOf.delete(claim.index);
    replayed.add(claim.index);
  }
  assignment.created = assignment.created.filter((row) => needed.has(row.id));
  return { replayed, known };
}

type Identities = Pick<CustomerReference, 'id' | 'externalId' | 'email' | 'anonymousId'>;

function identitiesOf(references: ReadonlyArray<Identities>): IdentitySet {
  const pick = (values: Array<string | null>) => [...new Set(values.filter((value): value is string => value !== null))];
  return {
    ids: pick(references.map((reference) => reference.id)),
    externalIds: pick(references.map((reference) => reference.externalId)),
    emails: pick(references.map((reference) => reference.email)),
    anonymousIds: pick(references.map((reference) => reference.anonymousId)),
  };
}

/** The identities a new customer was to be created with (one anonymousId is enough to find who holds them all). */
function referenceOf(row: CustomerRow, assignment: Assignment): Identities {
  const anonymousId = anonymousOfNew(assignment)(row);
  return { id: null, externalId: row.external_id, email: row.email, anonymousId };
}

const identityKey = (kind: string, value: string) => `${kind}:${value}`;

/** Claims placed on the customer that holds one of their identities through a merge. */
function arrivalsOf(
  claims: readonly EventClaim[],
  customerOf: ReadonlyMap<number, string>,
  merged: ReadonlyMap<string, { customerId: string; mergeId: string }>,
): Map<number, Arrival> {
  const arrivals = new Map<number, Arrival>();
  if (merged.size === 0) return arrivals;
  for (const claim of claims) {
    const { externalId, email, anonymousId } = claim.customer;
    const identities: Array<[IdentityKind, string | null]> = [
      ['external_id', externalId],
      ['email', email],
      ['anonymous_id', anonymousId],
    ];
    for (const [kind, value] of identities) {
      const through = value === null ? undefined : merged.get(identityKey(kind, value));
      if (value !== null && through && through.customerId === customerOf.get(claim.index)) {
        arrivals.set(claim.index, { mergeId: through.mergeId, kind, value });
        break;
      }
    }
  }
  return arrivals;
}
