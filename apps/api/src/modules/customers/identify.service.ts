import { IngestStatus } from '../../core/ingest-outcome.types';
import type { Db, UnitOfWork } from '../../database/db';
import type { CustomerHooks } from './customer.service';
import type { MergeService } from './customer-merge.service';
import { updateCustomer } from './customer.sql';
import { createMissingCustomers, resolveCustomers } from './customer-resolution';
import type { EventClaim, Resolution } from './customer-resolution';
import type { IdentityRejection } from './identity';
import { insertIdentifyMessages, storedIdentifyMessages } from './identify.sql';
import { validateIdentify } from './identify-validation';
import type { IdentifySubmission, ValidIdentify } from './identify-validation';

/** The outcome for one identify message, in submission order. */
export type IdentifyItemResult = {
  index: number;
  status: IngestStatus;
  messageId: string | null;
  customerId: string | null;
  error: { field: string; message: string } | null;
};

export const MAX_IDENTIFY_BATCH = 1000;

/**
 * Identify (Segment's identify and alias): tells clm who a customer is. Each
 * message names a customer by externalId, email and anonymousId (found in
 * that order, created when unknown, outside the lifecycle until its first
 * touchpoint: identify is not activity and records no touchpoint), gives it
 * the identities it lacks (an anonymous visitor's touchpoints are then the
 * known customer's), and sets its name and attributes. `previousId` is
 * another identity of the same person, kept as one of its anonymousIds.
 * A message whose identities belong to two stored customers merges them
 * (MergeService), unless an admin marked them never-merge: that message is
 * REJECTED, naming the reason.
 * A messageId is recorded forever: a retry is a DUPLICATE.
 */
export class IdentifyService {
  constructor(
    private readonly db: Db,
    private readonly hooks: Pick<CustomerHooks, 'updated'>,
    private readonly merges: MergeService,
  ) {}

  async identify(submissions: readonly IdentifySubmission[], path: (index: number) => string): Promise<IdentifyItemResult[]> {
    const now = new Date();
    const results: IdentifyItemResult[] = submissions.map((submission, index) => ({
      index,
      status: IngestStatus.REJECTED,
      messageId: typeof submission.messageId === 'string' ? submission.messageId : null,
      customerId: null,
      error: null,
    }));
    const valid: ValidIdentify[] = [];
    for (const [index, submission] of submissions.entries()) {
      const checked = validateIdentify(index, path(index), submission, now);
      if ('message' in checked) results[index].error = { field: checked.field, message: checked.message };
      else valid.push(checked);
    }
    if (valid.length === 0) return results;

    const firsts = firstByMessageId(valid);
    const claims = claimsOf(firsts, submissions.length);
    await createMissingCustomers(this.db, claims, (messageIds) => known(this.db, messageIds));
    const outcome = await this.db.transaction((uow) => this.write(uow, firsts, claims, submissions.length));
    for (const rejection of outcome.rejected) {
      const field = `${path(rejection.index)}.${rejection.field}`;
      results[rejection.index].error = { field, message: `${field}: ${rejection.message}` };
    }
    for (const item of valid) {
      const first = firsts.find((candidate) => candidate.messageId === item.messageId);
      const placed = first === undefined ? undefined : outcome.placed.get(first.index);
      if (placed === undefined) {
        if (first !== undefined && first !== item && results[first.index].error !== null)
          results[item.index].error = {
            field: `${path(item.index)}.messageId`,
            message: `${path(item.index)}.messageId: repeats the messageId of item ${first.index}, which was rejected`,
          };
        continue;
      }
      const status = first === item ? placed.status : IngestStatus.DUPLICATE;
      Object.assign(results[item.index], { status, customerId: placed.customerId, error: null });
    }
    return results;
  }

  /** The batch's unit of work: customers found, locked, created and linked; messages recorded once; details set. */
  private async write(uow: UnitOfWork, firsts: readonly ValidIdentify[], claims: readonly EventClaim[], count: number) {
    const resolution = await resolveCustomers(uow, claims, (messageIds) => known(uow, messageIds));
    // A message linking two stored customers merges them, unless an admin marked the pair never-merge.
    const describe = (index: number) => {
      const item = firsts.find((candidate) => candidate.index === index % count);
      const linked = index >= count ? `previousId "${item?.previousId}"` : `anonymousId "${item?.customer.anonymousId}"`;
      return `identify ${item?.messageId}: ${linked} linked them`;
    };
    const refused = await this.merges.applyJoins(uow, resolution, 'identify', describe, null);
    // An item is refused when its own claim is, or else when its alias claim (previousId) is.
    const rejected = new Map<number, IdentityRejection>();
    for (const rejection of [
      ...resolution.rejected,
      ...refused.map((refusal) => ({ ...refusal, field: refusal.index >= count ? 'previousId' : refusal.field })),
    ]) {
      const index = rejection.index % count;
      if (rejection.index < count) rejected.set(index, rejection);
      else if (!rejected.has(index)) rejected.set(index, { index, field: 'previousId', message: rejection.message });
    }
    const accepted = firsts.filter((item) => resolution.customerOf.has(item.index) && !rejected.has(item.index));
    const fresh = await insertIdentifyMessages(
      uow,
      accepted.map((item) => ({ messageId: item.messageId, customerId: customerOf(resolution, item.index) })),
    );
    await this.setDetails(
      uow,
      accepted.filter((item) => fresh.has(item.messageId)),
      resolution,
    );
    const earlier = await storedIdentifyMessages(
      uow,
      firsts.filter((item) => !fresh.has(item.messageId) && !rejected.has(item.index)).map((item) => item.messageId),
    );
    const placed = new Map<number, { status: IngestStatus; customerId: string | null }>();
    for (const item of firsts) {
      if (fresh.has(item.messageId))
        placed.set(item.index, { status: IngestStatus.ACCEPTED, customerId: customerOf(resolution, item.index) });
      else if (earlier.has(item.messageId))
        placed.set(item.index, { status: IngestStatus.DUPLICATE, customerId: earlier.get(item.messageId) ?? null });
    }
    return { placed, rejected: [...rejected.values()] };
  }

  /**
   * Sets the name and attributes the new messages give (identify states who
   * the customer is, so it replaces what it names, unlike a touchpoint, which
   * only fills what is missing; a null attribute removes it), in event-time
   * order, one update per customer.
   */
  private async setDetails(uow: UnitOfWork, items: readonly ValidIdentify[], resolution: Resolution): Promise<void> {
    const details = new Map<string, { name: string | null; attributes: Record<string, unknown> }>();
    const ordered = [...items].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || compareText(a.messageId, b.messageId));
    for (const item of ordered) {
      const customerId = customerOf(resolution, item.index);
      const current = details.get(customerId) ?? { name: null, attributes: {} };
      details.set(customerId, {
        name: item.customer.name ?? current.name,
        attributes: { ...current.attributes, ...item.customer.attributes },
      });
    }
    for (const [customerId, { name, attributes }] of details) {
      if (name === null && Object.keys(attributes).length === 0) continue;
      await updateCustomer(uow, customerId, { ...(name === null ? {} : { name }), attributes });
      await this.hooks.updated(uow, customerId);
    }
  }
}

/** Each message's claim on its customer, then (indexes shifted by `count`) an alias claim for each `previousId`. */
function claimsOf(items: readonly ValidIdentify[], count: number): EventClaim[] {
  const claims: EventClaim[] = items.map((item) => ({ index: item.index, messageId: item.messageId, customer: item.customer }));
  for (const item of items) {
    if (item.previousId === null) continue;
    const { externalId, email } = item.customer;
    claims.push({
      index: item.index + count,
      messageId: item.messageId,
      customer: { id: null, externalId, email, anonymousId: item.previousId, name: null, attributes: {} },
    });
  }
  return claims;
}

/** The first message of each messageId, in messageId order (concurrent batches then meet on the unique index in one order). */
function firstByMessageId(items: readonly ValidIdentify[]): ValidIdentify[] {
  const first = new Map<string, ValidIdentify>();
  for (const item of [...items].sort((a, b) => compareText(a.messageId, b.messageId) || a.index - b.index))
    if (!first.has(item.messageId)) first.set(item.messageId, item);
  return [...first.values()];
}

async function known(db: Db | UnitOfWork, messageIds: string[]): Promise<Set<string>> {
  return new Set((await storedIdentifyMessages(db, messageIds)).keys());
}

function customerOf(resolution: Resolution, index: number): string {
  const customerId = resolution.customerOf.get(index);
  if (customerId === undefined) throw new Error(`identify item ${index} has no customer`);
  return customerId;
}

function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}
