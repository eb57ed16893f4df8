import type { CustomerReference } from './identity';

/**
 * The externalIds and emails this instance has seen on stored customers, so
 * that a batch naming only known customers skips the look-up that decides
 * whom to create before its transaction (`createMissingCustomers`). Only a
 * hint: the batch's transaction finds, locks and if need be creates customers
 * itself, so an entry gone stale (a customer deleted, an identity changed
 * elsewhere) costs a creation inside the transaction, never a wrong answer.
 * Bounded: when full it starts over.
 */
export class KnownIdentities {
  private readonly seen = new Set<string>();

  constructor(private readonly capacity = 200_000) {}

  /** Whether a claim on this reference could create a customer: it names no id and none of its identities is known. */
  mayCreate(reference: Pick<CustomerReference, 'id' | 'externalId' | 'email' | 'anonymousId'>): boolean {
    if (reference.id !== null) return false;
    return !(
      (reference.externalId !== null && this.seen.has(externalKey(reference.externalId))) ||
      (reference.email !== null && this.seen.has(emailKey(reference.email))) ||
      (reference.anonymousId !== null && this.seen.has(anonymousKey(reference.anonymousId)))
    );
  }

  /** Remembers the identities of a stored customer (anonymousIds: those its events named). */
  add(customer: { externalId: string | null; email: string | null; anonymousIds?: readonly string[] }): void {
    if (this.seen.size >= this.capacity) this.seen.clear();
    if (customer.externalId !== null) this.seen.add(externalKey(customer.externalId));
    if (customer.email !== null) this.seen.add(emailKey(customer.email));
    for (const anonymousId of customer.anonymousIds ?? []) this.seen.add(anonymousKey(anonymousId));
  }
}

const externalKey = (externalId: string) => `x:${externalId}`;
const emailKey = (email: string) => `@:${email}`;
const anonymousKey = (anonymousId: string) => `a:${anonymousId}`;
