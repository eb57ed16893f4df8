import { RetryTransaction } from '../../database/db';
import type { Queryable } from '../../database/db';
import type { CustomerRow } from './customer.sql';
import { findCustomersByIdentity, insertCustomers, linkExternalIds, lockCustomersByIdentity } from './customer.sql';
import { assignCustomers, compareIdentity, CustomerDirectory } from './identity';
import type { CustomerReference, IdentityClaim, IdentityRejection } from './identity';

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
  claims: readonly EventClaim[],
  knownMessageIds: (messageIds: string[]) => Promise<Set<string>>,
): Promise<Resolution> {
  const directory = new CustomerDirectory();
  directory.add(await lockCustomersByIdentity(db, identitiesOf(claims.map((claim) => claim.customer))));
  for (let round = 1; ; round++) {
    const assignment = assignCustomers(claims, directory);
    const replayed = await dropReplays(claims, assignment, knownMessageIds);
    const ordered = [...assignment.created].sort(compareIdentity);
    const inserted = await insertCustomers(db, ordered);
    const lost = assignment.created.filter((row) => !inserted.has(row.id));
    if (lost.length === 0) {
      directory.add(assignment.created);
      await linkExternalIds(db, assignment.links);
      for (const [id, externalId] of assignment.links) {
        const row = directory.byId.get(id);
        if (row) row.external_id = externalId;
      }
      return { customerOf: assignment.customerOf, rows: directory.byId, rejected: assignment.rejected, replayed };
    }
    if (round === MAX_ROUNDS) throw new RetryTransaction('customers kept being created concurrently');
    directory.add(assignment.created.filter((row) => inserted.has(row.id)));
    directory.add(await lockCustomersByIdentity(db, identitiesOf(lost.map(referenceOf))));
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
  directory.add(await findCustomersByIdentity(db, identitiesOf(claims.map((claim) => claim.customer))));
  const assignment = assignCustomers(claims, directory);
  await dropReplays(claims, assignment, knownMessageIds);
  await insertCustomers(db, [...assignment.created].sort(compareIdentity));
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
): Promise<Set<number>> {
  if (assignment.created.length === 0) return new Set();
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
  return replayed;
}

function identitiesOf(references: ReadonlyArray<Pick<CustomerReference, 'id' | 'externalId' | 'email'>>) {
  const pick = (values: Array<string | null>) => [...new Set(values.filter((value): value is string => value !== null))];
  return {
    ids: pick(references.map((reference) => reference.id)),
    externalIds: pick(references.map((reference) => reference.externalId)),
    emails: pick(references.map((reference) => reference.email)),
  };
}

function referenceOf(row: CustomerRow): Pick<CustomerReference, 'id' | 'externalId' | 'email'> {
  return { id: null, externalId: row.external_id, email: row.email };
}
