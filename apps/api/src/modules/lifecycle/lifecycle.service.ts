import { AT_RISK, CHURNED, OFF_PATH_STAGES } from '@clm/schema';
import { storableDate } from '../../core/dates';
import { invalidInput } from '../../core/errors';
import { isUuid, textProblem } from '../../core/ids';
import type { Db, UnitOfWork } from '../../database/db';
import { cursorAtSnapshot, encodeLogCursor, parseSnapshot } from '../../log';
import { customerNotFound } from '../customers';
import type { JourneyWriter } from './journey-writer';
import { countStages, lockInactiveCustomers } from './journey.sql';
import type { LifecycleModelService } from './lifecycle-model.service';
import { unknownStage } from './lifecycle.errors';
import { isKnownStage } from './rule-engine';
import { countTransitions, recentTransitions, TRANSITION_LOG } from './transition.sql';
import type { StageTransition } from './stage-transition.type';
import type { TransitionCount } from './transition.sql';

export type SweepResult = { examined: number; atRisk: number; churned: number };
export type StageCount = { stage: string; name: string; count: number; offPath: boolean };
export type RecentTransitions = { cursor: string; transitions: StageTransition[] };
/** The most recentTransitions returns at once. */
export const RECENT_TRANSITIONS_MAX = 200;
export type Overview = { cursor: string; total: number; stages: StageCount[]; transitions: TransitionCount[] };

/**
 * Where the overview's numbers come from when a projection keeps them (the
 * metrics module, plugged in by the composition root); without one the
 * customers and transitions tables are counted.
 */
export type StageTally = {
  /** Customers per stage, exact at the returned snapshot. */
  counts(): Promise<{ counts: Map<string, number>; snapshot: string }>;
  /** Transitions per (from, to) in [from, to), or null when the tally cannot answer for those bounds. */
  flows(from: Date | null, to: Date | null): Promise<TransitionCount[] | null>;
};

const SWEEP_BATCH = 1000;
const DAY_MS = 86_400_000;
/** How far ahead of this server's clock a sweep's `asOf` may be (another server's clock may run a little ahead). */
const CLOCK_SKEW_MS = 60_000;

/** Moves that do not come from touchpoints (by hand, by inactivity), entry on creation, and the stage overview. */
export class LifecycleService {
  constructor(
    private readonly db: Db,
    private readonly models: LifecycleModelService,
    private readonly journeys: JourneyWriter,
    private readonly tally: StageTally | null = null,
    /** The database's fingerprint, carried by the cursors handed out here as by the streams' (log/log-position.ts). */
    private readonly database: string | null = null,
  ) {}

  /** A customer created through the API enters the lifecycle (the customers module's `created` hook). */
  async enter(uow: UnitOfWork, customerId: string, at: Date): Promise<void> {
    await this.journeys.enter(uow, await this.models.current(), customerId, at);
  }

  /** Moves a customer by hand to any stage, recording who and why. */
  async moveCustomer(customerId: string, to: string, reason: string, actor: string, at = new Date()): Promise<void> {
    const model = await this.models.current();
    if (!isKnownStage(model, to)) throw unknownStage(model, to);
    if (reason.trim() === '') throw invalidInput('reason', 'say why the customer is moved by hand');
    const problem = textProblem(reason);
    if (problem !== null) throw invalidInput('reason', problem);
    if (!isUuid(customerId)) throw customerNotFound(customerId);
    await this.db.transaction((uow) =>
      this.journeys.move(uow, model, { customerId: customerId.toLowerCase(), to, actor, reason: reason.trim(), at }),
    );
  }

  /**
   * Moves inactive customers to at-risk and churned as of `asOf`. Works in
   * batches of locked rows, so it is safe beside ingest and beside another
   * sweep (a customer already moved is not moved again).
   */
  async runInactivitySweep(asOf = new Date()): Promise<SweepResult> {
    storableDate(asOf, 'asOf');
    // A sweep as of the future would churn customers now with transitions no purchase could undo.
    if (asOf.getTime() > Date.now() + CLOCK_SKEW_MS)
      throw invalidInput('asOf', `${asOf.toISOString()} is in the future; sweep as of now or an earlier time`);
    const model = await this.models.current();
    const funnel = model.stages.map((stage) => stage.key);
    const query = {
      afterId: '00000000-0000-0000-0000-000000000000',
      sweptStages: funnel.slice(Math.max(0, funnel.indexOf(model.inactivity.fromStage))),
      atRiskBefore: new Date(asOf.getTime() - model.inactivity.atRiskAfterDays * DAY_MS),
      atRisk: AT_RISK,
      churnedBefore: new Date(asOf.getTime() - model.inactivity.churnedAfterDays * DAY_MS),
      limit: SWEEP_BATCH,
    };
    const result: SweepResult = { examined: 0, atRisk: 0, churned: 0 };
    for (;;) {
      const batch = await this.db.transaction(async (uow) => {
        const rows = await lockInactiveCustomers(uow, query);
        return { rows, transitions: await this.journeys.sweep(uow, model, rows, asOf) };
      });
      result.examined += batch.rows.length;
      result.atRisk += batch.transitions.filter((transition) => transition.to === AT_RISK).length;
      result.churned += batch.transitions.filter((transition) => transition.to === CHURNED).length;
      if (batch.rows.length < SWEEP_BATCH) return result;
      query.afterId = batch.rows[batch.rows.length - 1].id;
    }
  }

  /**
   * Customers per stage now (the model's funnel in order, then at-risk and
   * churned, then any stage the model no longer has), the transitions with
   * event time in [from, to), and the cursor of the snapshot the counts were
   * taken in, so a live subscriber continues exactly from them.
   */
  async overview(from: Date | null, to: Date | null): Promise<Overview> {
    if (from) storableDate(from, 'from');
    if (to) storableDate(to, 'to');
    const model = await this.models.current();
    const [{ counts, snapshot }, transitions] = await Promise.all([
      this.tally ? this.tally.counts() : countStages(this.db),
      (this.tally ? this.tally.flows(from, to) : Promise.resolve(null)).then((flows) => flows ?? countTransitions(this.db, from, to)),
    ]);
    const names = new Map([
      ...model.stages.map((stage): [string, string] => [stage.key, stage.name]),
      [AT_RISK, 'At risk'],
      [CHURNED, 'Churned'],
    ]);
    const known = [...names.keys()];
    const extra = [...counts.keys()].filter((stage) => !names.has(stage)).sort();
    const stages = [...known, ...extra].map((stage) => ({
      stage,
      name: names.get(stage) ?? stage,
      count: counts.get(stage) ?? 0,
      offPath: OFF_PATH_STAGES.includes(stage),
    }));
    return {
      cursor: encodeLogCursor(cursorAtSnapshot(parseSnapshot(snapshot)), TRANSITION_LOG.table, this.database),
      total: stages.reduce((sum, row) => sum + row.count, 0),
      stages,
      transitions,
    };
  }

  /**
   * The newest `first` stage transitions (newest first) and the cursor of the
   * snapshot they were read in: subscribe to stageTransitions after it to
   * continue with exactly the transitions committed since.
   */
  async recentTransitions(first: number): Promise<RecentTransitions> {
    if (!Number.isInteger(first) || first < 1 || first > RECENT_TRANSITIONS_MAX)
      throw invalidInput('first', `must be a whole number from 1 to ${RECENT_TRANSITIONS_MAX}, got ${first}`);
    const { transitions, snapshot } = await recentTransitions(this.db, first);
    return { cursor: encodeLogCursor(cursorAtSnapshot(parseSnapshot(snapshot)), TRANSITION_LOG.table, this.database), transitions };
  }
}
