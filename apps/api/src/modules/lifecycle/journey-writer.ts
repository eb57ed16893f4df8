import type { LifecycleModel } from '@clm/schema';
import type { UnitOfWork } from '../../database/db';
import { customerNotFound, lockCustomer } from '../customers';
import type { CustomerRow } from '../customers';
import { applyTouchpointEvents, changeOf, journeyOf, replayJourney } from './journey';
import type { JourneyChange, JourneyEvent } from './journey';
import { writeJourneys } from './journey.sql';
import { applyInactivity, applyManualMove, enterLifecycle, newCustomerState } from './rule-engine';

/**
 * The one writer of customers' journeys: every change to a customer's
 * lifecycle state and rollups, and every stage transition, is written by
 * `record`, inside the caller's unit of work. It marks the log as appended,
 * so the live stream is told after COMMIT, and never before.
 *
 * Hook new consequences of a journey change (segment membership, rollups,
 * prediction-driven moves) into `record`, once.
 */
export class JourneyWriter {
  /** Writes the changes: each customer's state and the transitions appended, in one statement. */
  async record(uow: UnitOfWork, changes: readonly JourneyChange[]): Promise<void> {
    const transitions = changes.flatMap((change) => change.transitions);
    await writeJourneys(
      uow,
      changes.map((change) => change.journey),
      transitions,
    );
    if (transitions.length > 0) uow.logAppended();
  }

  /** A customer created through the API enters the first stage (cause `created`). */
  async enter(uow: UnitOfWork, model: LifecycleModel, customerId: string, at: Date): Promise<void> {
    const journey = { customerId, lifecycle: newCustomerState(), firstSeenAt: null, orders: 0, revenueDelta: 0n };
    await this.record(uow, [changeOf(journey, enterLifecycle(model, journey.lifecycle, at, 'created'))]);
  }

  /** New touchpoints of locked customers: rules, rollups and transitions. `rows` are the locked customer rows by id. */
  async applyTouchpoints(
    uow: UnitOfWork,
    model: LifecycleModel,
    rows: ReadonlyMap<string, CustomerRow>,
    eventsByCustomer: ReadonlyMap<string, readonly JourneyEvent[]>,
  ): Promise<void> {
    const changes: JourneyChange[] = [];
    for (const [customerId, events] of eventsByCustomer) {
      const row = rows.get(customerId);
      if (row) changes.push(applyTouchpointEvents(model, journeyOf(row), events));
    }
    await this.record(uow, changes);
  }

  /** Moves one customer by hand, recording who and why; false when they were already there. */
  async move(uow: UnitOfWork, model: LifecycleModel, move: { customerId: string; to: string; actor: string; reason: string; at: Date }) {
    const row = await lockCustomer(uow, move.customerId);
    if (row === null) throw customerNotFound(move.customerId);
    const journey = journeyOf(row);
    const change = changeOf(journey, applyManualMove(model, journey.lifecycle, move.to, move.at), {
      actor: move.actor,
      reason: move.reason,
    });
    await this.record(uow, [change]);
    return change.transitions.length > 0;
  }

  /**
   * Recomputes locked customers' journeys from their whole history (`events`:
   * every touchpoint each has now), after a merge or an unmerge moved
   * touchpoints between them (see `replayJourney`).
   */
  async replay(
    uow: UnitOfWork,
    model: LifecycleModel,
    histories: ReadonlyArray<{ row: CustomerRow; events: readonly JourneyEvent[] }>,
    cause: 'merge' | 'unmerge',
  ): Promise<void> {
    await this.record(
      uow,
      histories.map(({ row, events }) => replayJourney(model, row, events, cause)),
    );
  }

  /** Inactivity as of `asOf` for locked customers; returns the transitions written. */
  async sweep(uow: UnitOfWork, model: LifecycleModel, rows: readonly CustomerRow[], asOf: Date) {
    const changes = rows
      .map((row) => {
        const journey = journeyOf(row);
        return changeOf(journey, applyInactivity(model, journey.lifecycle, asOf));
      })
      .filter((change) => change.transitions.length > 0);
    await this.record(uow, changes);
    return changes.flatMap((change) => change.transitions);
  }
}
