import { randomUUID } from 'node:crypto';
import DataLoader from 'dataloader';
import type { JsonValue } from '@clm/schema';
import { invalidInput } from '../../core/errors';
import { isUuid, MAX_TEXT, textProblem } from '../../core/ids';
import { requestScoped } from '../../core/request-context';
import type { RequestScoped } from '../../core/request-context';
import type { Db, UnitOfWork } from '../../database/db';
import { customerNotFound, mergeNotFound, mergeRefused } from './customer.errors';
import type { CustomerRow } from './customer.sql';
import { lockCustomersById } from './customer-identity.sql';
import {
  addMergedDetails,
  appendMergeLog,
  arrivalsOf,
  deleteMergedCustomer,
  insertMerge,
  insertNeverMerge,
  lockMerge,
  markUnmerged,
  mergesOf,
  moveIdentities,
  neverMergeReason,
  recordMergeArrivals,
  removeMergedAttributes,
  restoreCustomer,
  setMoved,
  snapshotCustomer,
  survivorOf,
  takeBackIdentities,
  toCustomerMerge,
} from './customer-merge.sql';
import type { MergeArrival, MergeRow, MovedRows } from './customer-merge.sql';
import type { Resolution } from './customer-resolution';
import type { CustomerMerge } from './dto/merge.types';

/** One merge as the modules above see it: both customers' rows, locked, as they were just before. */
export type MergeStep = { mergeId: string; into: CustomerRow; from: CustomerRow };

/**
 * What the modules that own rows keyed by customer do in a merge and its
 * undoing, inside the same unit of work. The composition root plugs them in.
 */
export type MergeHooks = {
  /** Moves the merged customer's rows to the survivor and recomputes what derives from them; returns what moved, by module. */
  merging: (uow: UnitOfWork, step: MergeStep) => Promise<MovedRows>;
  /**
   * Moves back what `merging` moved, and the events recorded since under
   * the merged customer's identities (`arrivals`, messageIds), and
   * recomputes both customers.
   */
  unmerging: (uow: UnitOfWork, step: MergeStep & { moved: MovedRows; arrivals: readonly string[] }) => Promise<void>;
};

export type MergeRequest = {
  intoId: string;
  fromId: string;
  reason: string;
  actor: string | null;
  cause: MergeRow['cause'];
};

/**
 * Merges and unmerges. A merge moves everything the merged customer has
 * (touchpoints, transitions, identities, segment membership, missing
 * attributes) to the survivor in one unit of work, recomputes the
 * survivor's journey from the merged history, deletes the merged row, and
 * keeps a record with both customers as they were, so `unmerge` can restore
 * them. Every merge and unmerge is appended to the merge log.
 */
export class MergeService {
  /** Per request: each customer's merges (as survivor or as merged), oldest first. */
  readonly merges: RequestScoped<DataLoader<string, CustomerMerge[]>> = requestScoped(
    () => new DataLoader((ids: readonly string[]) => this.mergesOfMany(ids)),
  );

  constructor(
    private readonly db: Db,
    private readonly hooks: MergeHooks,
  ) {}

  /** The same service on another Db view (a request's). */
  on(db: Db): MergeService {
    return new MergeService(db, this.hooks);
  }

  /** Merges `fromId` into `intoId` by hand (an admin), in a unit of work of its own. */
  async merge(request: MergeRequest): Promise<CustomerMerge> {
    checkReason(request.reason);
    for (const [field, id] of [
      ['into', request.intoId],
      ['from', request.fromId],
    ] as const)
      if (!isUuid(id)) throw invalidInput(field, `"${id}" is not a customer id`);
    const row = await this.db.transaction((uow) =>
      this.mergeIn(uow, { ...request, intoId: request.intoId.toLowerCase(), fromId: request.fromId.toLowerCase() }),
    );
    return toCustomerMerge(row);
  }

  /**
   * One merge inside the caller's unit of work. Both rows are locked in id
   * order; a pair an admin marked never-merge, one customer twice, or a
   * customer that does not exist is refused.
   */
  async mergeIn(uow: UnitOfWork, request: MergeRequest): Promise<MergeRow> {
    const { intoId, fromId } = request;
    if (intoId === fromId) throw mergeRefused('from', 'a customer cannot be merged into itself');
    const rows = new Map((await lockCustomersById(uow, [intoId, fromId].sort())).map((row) => [row.id, row]));
    const into = rows.get(intoId);
    const from = rows.get(fromId);
    if (!into) throw customerNotFound(intoId, 'into');
    if (!from) throw customerNotFound(fromId, 'from');
    const kept = await neverMergeReason(uow, intoId, fromId);
    if (kept !== null) throw mergeRefused('from', `an admin marked these customers never to be merged (${kept})`);
    const [intoBefore, fromBefore] = await Promise.all([snapshotCustomer(uow, intoId), snapshotCustomer(uow, fromId)]);
    if (!intoBefore || !fromBefore) throw customerNotFound(intoBefore ? fromId : intoId);
    const added = Object.fromEntries(Object.entries(from.attributes).filter(([key]) => !Object.hasOwn(into.attributes, key)));
    const mergeId = randomUUID();
    await insertMerge(uow, {
      id: mergeId,
      into_id: intoId,
      from_id: fromId,
      cause: request.cause,
      actor: request.actor,
      reason: request.reason,
      into_before: intoBefore.customer,
      from_before: { ...fromBefore, attributesAdded: Object.keys(added) },
    });
    const moved = await this.hooks.merging(uow, { mergeId, into, from });
    await moveIdentities(uow, fromId, intoId, mergeId);
    await addMergedDetails(uow, intoId, from.name, added);
    await deleteMergedCustomer(uow, fromId);
    await appendMergeLog(uow, { id: mergeId, into_id: intoId, from_id: fromId }, 'merged');
    uow.logAppended();
    return setMoved(uow, mergeId, moved);
  }

  /**
   * Undoes a merge: the merged customer comes back with its id, identities
   * (first-seen times kept) and details, its own touchpoints and transitions
   * and those recorded since under its identities; the survivor loses the
   * attributes the merge gave it; both journeys are recomputed.
   */
  async unmerge(mergeId: string, actor: string | null): Promise<CustomerMerge> {
    if (!isUuid(mergeId)) throw mergeNotFound(mergeId);
    const row = await this.db.transaction(async (uow) => {
      const merge = await lockMerge(uow, mergeId.toLowerCase());
      if (!merge) throw mergeNotFound(mergeId);
      if (merge.unmerged_at !== null) throw mergeRefused('mergeId', `this merge was undone at ${merge.unmerged_at.toISOString()}`);
      const [into] = await lockCustomersById(uow, [merge.into_id]);
      if (!into)
        throw mergeRefused('mergeId', `the survivor ${merge.into_id} no longer exists (deleted, or merged again: undo that merge first)`);
      // Identities come back with the mark of the earlier merge that had given them to the merged customer, if any.
      const earlier = new Map(
        merge.from_before.identities.map((identity) => [`${identity.kind}:${identity.value}`, identity.merge_id ?? null]),
      );
      const identities = (await takeBackIdentities(uow, merge.id)).map((identity) => ({
        ...identity,
        merge_id: earlier.get(`${identity.kind}:${identity.value}`) ?? null,
      }));
      await restoreCustomer(uow, merge.from_before.customer, identities);
      const [restored] = await lockCustomersById(uow, [merge.from_id]);
      // Its journey is recomputed from its history; against the stage it had, so only a change is a transition.
      const before = merge.from_before.customer;
      const from = {
        ...restored,
        stage: before.stage,
        stage_entered_at: before.stage_entered_at === null ? null : new Date(before.stage_entered_at),
      };
      const addedValues: Record<string, JsonValue> = Object.fromEntries(
        merge.from_before.attributesAdded.map((key) => [key, merge.from_before.customer.attributes[key]]),
      );
      await removeMergedAttributes(uow, merge.into_id, addedValues);
      const arrivals = await arrivalsOf(uow, merge.id);
      await this.hooks.unmerging(uow, {
        mergeId: merge.id,
        into,
        from,
        moved: merge.moved,
        arrivals: arrivals.map((arrival) => arrival.messageId),
      });
      // An event that came through an identity an earlier merge had given the merged customer is, back on that customer,
      // an arrival of the earlier merge: undoing that one in turn sends it on to the customer holding its identity.
      await recordMergeArrivals(uow, handedBack(arrivals, earlier));
      await markUnmerged(uow, merge.id, actor);
      await appendMergeLog(uow, merge, 'unmerged');
      uow.logAppended();
      return { ...merge, unmerged_at: new Date(), unmerged_by: actor };
    });
    return toCustomerMerge(row);
  }

  /** Marks two customers as never to be merged (a shared family email): a link between them is refused from now on. */
  async neverMerge(firstId: string, secondId: string, reason: string, actor: string | null): Promise<boolean> {
    checkReason(reason);
    for (const [field, id] of [
      ['first', firstId],
      ['second', secondId],
    ] as const)
      if (!isUuid(id)) throw invalidInput(field, `"${id}" is not a customer id`);
    if (firstId.toLowerCase() === secondId.toLowerCase()) throw invalidInput('second', 'give two different customers');
    await insertNeverMerge(this.db, firstId.toLowerCase(), secondId.toLowerCase(), actor, reason);
    return true;
  }

  /**
   * The joins identity resolution found (two stored customers linked by one
   * event) become merges inside the caller's unit of work, one per pair;
   * claims that were placed on a merged customer move to the survivor, and
   * the rows in `resolution` are read again. A pair marked never-merge is not
   * merged: its claims come back in `refused`, with the reason.
   */
  async applyJoins(
    uow: UnitOfWork,
    resolution: Resolution,
    cause: MergeRow['cause'],
    describe: (index: number) => string,
    actor: string | null,
  ): Promise<Array<{ index: number; field: string; message: string }>> {
    const refused: Array<{ index: number; field: string; message: string }> = [];
    const survivors = new Map<string, string>();
    const current = (id: string) => {
      let at = id;
      while (survivors.has(at)) at = survivors.get(at) ?? at;
      return at;
    };
    for (const join of resolution.joins) {
      const [intoId, fromId] = [current(join.into), current(join.from)];
      if (intoId === fromId) continue;
      const kept = await neverMergeReason(uow, intoId, fromId);
      if (kept !== null) {
        refused.push({
          index: join.index,
          field: 'anonymousId',
          message: `"${join.anonymousId}" belongs to customer ${fromId}, which an admin marked never to be merged with ${intoId} (${kept})`,
        });
        continue;
      }
      await this.mergeIn(uow, { intoId, fromId, cause, actor, reason: describe(join.index) });
      survivors.set(fromId, intoId);
    }
    if (survivors.size === 0) return refused;
    for (const [index, customerId] of resolution.customerOf) resolution.customerOf.set(index, current(customerId));
    for (const fromId of survivors.keys()) resolution.rows.delete(fromId);
    for (const row of await lockCustomersById(uow, [...new Set(survivors.values())].map(current))) resolution.rows.set(row.id, row);
    return refused;
  }

  /** Remembers the newly stored events that were placed through an identity a merge moved (see MergeHooks.unmerging). */
  recordArrivals(uow: UnitOfWork, arrivals: readonly MergeArrival[]): Promise<void> {
    return recordMergeArrivals(uow, arrivals);
  }

  /** The survivor a merged customer's id now leads to, or null when it was never merged (or the merge was undone). */
  survivorOf(id: string): Promise<string | null> {
    return isUuid(id) ? survivorOf(this.db, id.toLowerCase()) : Promise.resolve(null);
  }

  private async mergesOfMany(ids: readonly string[]): Promise<CustomerMerge[][]> {
    const rows = await mergesOf(this.db, ids.filter(isUuid));
    return ids.map((id) => rows.filter((row) => row.into_id === id || row.from_id === id).map(toCustomerMerge));
  }
}

/** The arrivals of an undone merge that came through an identity an earlier merge had moved (`earlier`: identity → that merge), as its arrivals. */
function handedBack(arrivals: readonly MergeArrival[], earlier: ReadonlyMap<string, string | null>): MergeArrival[] {
  return arrivals.flatMap((arrival) => {
    const mergeId = earlier.get(`${arrival.kind}:${arrival.value}`) ?? null;
    return mergeId === null ? [] : [{ ...arrival, mergeId }];
  });
}

function checkReason(reason: string): void {
  const problem = textProblem(reason);
  if (problem !== null) throw invalidInput('reason', problem);
  if (reason.trim() === '') throw invalidInput('reason', 'say why (it is kept with the record)');
  if (reason.length > MAX_TEXT * 4) throw invalidInput('reason', `must be at most ${MAX_TEXT * 4} characters`);
}
