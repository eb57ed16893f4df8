import type { Db, UnitOfWork } from '../../database/db';
import { Semaphore } from '../../database/semaphore';
import { addDetails, createMissingCustomers, KnownIdentities, resolveCustomers } from '../customers';
import type { MergeService, Resolution } from '../customers';
import type { JourneyEvent, JourneyWriter, LifecycleModelService } from '../lifecycle';
import { IngestStatus } from './dto/touchpoint.types';
import { insertNewTouchpoints, knownMessageIds, storedTouchpoints } from './touchpoint.sql';
import { validateTouchpoint } from './touchpoint-validation';
import type { TouchpointSubmission, ValidTouchpoint } from './touchpoint-validation';

/** The outcome for one submitted item, in submission order. */
export type IngestItemResult = {
  index: number;
  status: IngestStatus;
  messageId: string | null;
  touchpointId: string | null;
  customerId: string | null;
  error: { field: string; message: string } | null;
};

export const MAX_BATCH = 1000;

type Stored = { index: number; status: IngestStatus; touchpointId: string | null; customerId: string | null };

/** What every view of one IngestService shares. */
type IngestShared = {
  /**
   * Batches of one instance write one at a time: on a few cores, overlapping
   * batches only wait on each other's row locks (and deadlock), so queueing
   * them here is faster. Validation and GraphQL work still overlap.
   */
  writers: Semaphore;
  /** Customers known to exist: a batch naming only them creates nobody, so it skips the look-up before its transaction. */
  knownIdentities: KnownIdentities;
};

/**
 * Records batches of touchpoints. Items are validated one by one; customers
 * they name that do not exist yet are created (with every identity and
 * detail the batch's items give them); then the good items are
 * written in one unit of work (customers found and locked in id order,
 * duplicates dropped by messageId, touchpoints inserted, the journey writer
 * applies rules, transitions and rollups) and the caller hears back only
 * after COMMIT.
 */
export class IngestService {
  constructor(
    private readonly db: Db,
    private readonly models: LifecycleModelService,
    private readonly journeys: JourneyWriter,
    private readonly merges: MergeService,
    concurrentWriters = 1,
    private readonly shared: IngestShared = {
      writers: new Semaphore(concurrentWriters),
      knownIdentities: new KnownIdentities(),
    },
  ) {}

  /** The same service on another Db view (a request's): its batches queue behind the same writers. */
  on(db: Db): IngestService {
    return new IngestService(db, this.models, this.journeys, this.merges, 0, this.shared);
  }

  async record(submissions: readonly TouchpointSubmission[], path: (index: number) => string): Promise<IngestItemResult[]> {
    const now = new Date();
    const results: IngestItemResult[] = submissions.map((submission, index) => ({
      index,
      status: IngestStatus.REJECTED,
      messageId: submission.messageId ?? null,
      touchpointId: null,
      customerId: null,
      error: null,
    }));
    const valid: ValidTouchpoint[] = [];
    for (const [index, submission] of submissions.entries()) {
      const checked = validateTouchpoint(index, path(index), submission, now);
      if ('message' in checked) results[index].error = { field: checked.field, message: checked.message };
      else valid.push(checked);
    }
    if (valid.length === 0) return results;

    // New customers are created before the writer's turn, so the batch's transaction only finds and locks them. Every
    // item takes part when one may create: an item naming a known customer can make a new one theirs.
    const firsts = [...firstByMessageId(valid).values()];
    if (firsts.some((item) => this.shared.knownIdentities.mayCreate(item.customer)))
      await createMissingCustomers(this.db, firsts, (messageIds) => knownMessageIds(this.db, messageIds));
    const outcome = await this.shared.writers.run(() => this.db.transaction((uow) => this.write(uow, valid)));
    for (const row of outcome.customers)
      this.shared.knownIdentities.add({ externalId: row.external_id, email: row.email, anonymousIds: outcome.anonymousIds.get(row.id) });
    for (const rejection of outcome.rejected) {
      const field = `${path(rejection.index)}.${rejection.field}`;
      results[rejection.index].error = { field, message: `${field}: ${rejection.message}` };
    }
    for (const stored of outcome.stored) Object.assign(results[stored.index], { ...stored, error: null });
    return results;
  }

  /**
   * One batch, inside its unit of work: customers, touchpoints, then the
   * journeys. Only the first item of each messageId in the batch is
   * resolved and stored; a later item with the same messageId shares its
   * outcome (it cannot create a customer of its own).
   */
  private async write(uow: UnitOfWork, items: ValidTouchpoint[]) {
    const model = await this.models.current();
    const firstOfEach = firstByMessageId(items);
    const firsts = [...firstOfEach.values()];
    const resolution = await resolveCustomers(uow, firsts, (messageIds) => knownMessageIds(uow, messageIds));
    // A touchpoint naming identities of two stored customers merges them (before its journey is applied), unless an
    // admin marked the pair never-merge: then it is refused, naming the reason.
    const refused = await this.merges.applyJoins(
      uow,
      resolution,
      'touchpoint',
      (index) =>
        `touchpoint ${items.find((item) => item.index === index)?.messageId}: its externalId or email and its anonymousId linked them`,
      null,
    );
    for (const refusal of refused) resolution.customerOf.delete(refusal.index);
    const accepted = firsts.filter((item) => resolution.customerOf.has(item.index));
    const newIds = await insertNewTouchpoints(
      uow,
      accepted.map((touchpoint) => ({ touchpoint, customerId: customerOf(resolution, touchpoint) })),
    );
    if (newIds.size > 0) uow.logAppended();
    // Every newly stored item brings its customer the details it lacks, in messageId order; a duplicate brings none.
    const fresh = accepted.filter((item) => newIds.has(item.messageId));
    await this.merges.recordArrivals(
      uow,
      fresh.flatMap((item) => {
        const arrival = resolution.arrivals.get(item.index);
        return arrival === undefined ? [] : [{ ...arrival, messageId: item.messageId }];
      }),
    );
    await addDetails(
      uow,
      resolution.rows,
      fresh.map((item) => ({ customerId: customerOf(resolution, item), customer: item.customer })),
    );
    await this.journeys.applyTouchpoints(uow, model, resolution.rows, newEventsByCustomer(accepted, newIds, resolution));

    const replayed = firsts.filter((item) => resolution.replayed.has(item.index));
    const earlier = await storedTouchpoints(
      uow,
      [...accepted.filter((item) => !newIds.has(item.messageId)), ...replayed].map((item) => item.messageId),
    );
    const outcomes = new Map<number, Stored>();
    for (const item of [...accepted, ...replayed]) {
      const fresh = newIds.get(item.messageId);
      const customerId = resolution.customerOf.get(item.index) ?? null;
      const existing = earlier.get(item.messageId);
      outcomes.set(
        item.index,
        fresh !== undefined
          ? { index: item.index, status: IngestStatus.ACCEPTED, touchpointId: fresh, customerId }
          : {
              index: item.index,
              status: IngestStatus.DUPLICATE,
              touchpointId: existing?.id ?? null,
              customerId: existing?.customerId ?? customerId,
            },
      );
    }
    const rejected = [...resolution.rejected, ...refused.map((refusal) => ({ ...refusal, field: `customer.${refusal.field}` }))];
    for (const item of items) {
      const first = firstOfEach.get(item.messageId);
      if (first === undefined || first === item) continue;
      const outcome = outcomes.get(first.index);
      if (outcome) outcomes.set(item.index, { ...outcome, index: item.index, status: IngestStatus.DUPLICATE });
      else
        rejected.push({
          index: item.index,
          field: 'messageId',
          message: `repeats the messageId of item ${first.index}, which was rejected`,
        });
    }
    return {
      stored: [...outcomes.values()],
      rejected,
      customers: [...resolution.rows.values()],
      anonymousIds: anonymousIdsOf(firsts, resolution),
    };
  }
}

/**
 * The first item of each messageId (later ones in the batch are duplicates),
 * in messageId order: concurrent batches then insert in one order and meet
 * on the unique index without deadlocking.
 */
function firstByMessageId(items: readonly ValidTouchpoint[]): Map<string, ValidTouchpoint> {
  const first = new Map<string, ValidTouchpoint>();
  for (const item of [...items].sort((a, b) => (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : a.index - b.index))) {
    if (!first.has(item.messageId)) first.set(item.messageId, item);
  }
  return first;
}

/** The anonymousIds the batch's items named, by the customer that holds them now. */
function anonymousIdsOf(items: readonly ValidTouchpoint[], resolution: Resolution): Map<string, string[]> {
  const held = new Map<string, string[]>();
  for (const item of items) {
    const customerId = resolution.customerOf.get(item.index);
    const anonymousId = item.customer.anonymousId;
    if (customerId === undefined || anonymousId === null || resolution.joins.some((join) => join.anonymousId === anonymousId)) continue;
    held.set(customerId, [...(held.get(customerId) ?? []), anonymousId]);
  }
  return held;
}

function customerOf(resolution: Resolution, item: ValidTouchpoint): string {
  const customerId = resolution.customerOf.get(item.index);
  if (customerId === undefined) throw new Error(`item ${item.index} has no customer`);
  return customerId;
}

/** Each customer's newly stored touchpoints, in batch order, as the journey writer takes them. */
function newEventsByCustomer(
  items: readonly ValidTouchpoint[],
  newIds: ReadonlyMap<string, string>,
  resolution: Resolution,
): Map<string, JourneyEvent[]> {
  const events = new Map<string, JourneyEvent[]>();
  for (const item of [...items].sort((a, b) => a.index - b.index)) {
    const touchpointId = newIds.get(item.messageId);
    if (touchpointId === undefined) continue;
    const customerId = customerOf(resolution, item);
    const mine = events.get(customerId) ?? [];
    mine.push({ ...item, touchpointId });
    events.set(customerId, mine);
  }
  return events;
}
