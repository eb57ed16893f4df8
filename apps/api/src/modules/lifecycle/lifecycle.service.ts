import { AT_RISK, CHURNED } from '@clm/schema';
import type { DataSource } from 'typeorm';
import { inTransaction } from '../../database/transactions';
import { ClmError } from '../../server/errors';
import {
  customerStateColumns,
  toLifecycleState,
  withLifecycleState,
  writeCustomerStates,
  writeTransitions,
} from '../customers/customer-state';
import type { CustomerStateRow, TransitionRow } from '../customers/customer-state';
import type { CommitNotifier } from '../stream/commit-notifier';
import type { LifecycleModelService } from './lifecycle-model.service';
import { parseSnapshot } from '../stream/log-position';
import type { Snapshot } from '../stream/log-position';
import { applyInactivity, applyManualMove, isKnownStage } from './rule-engine';

export type SweepResult = { examined: number; atRisk: number; churned: number };
export type StageCount = { stage: string; count: number };
export type TransitionCount = { from: string | null; to: string; count: number };

const SWEEP_BATCH = 1000;
const DAY_MS = 86_400_000;

/** Moves that do not come from touchpoints (by hand, by inactivity) and the stage overview. */
export class LifecycleService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly models: LifecycleModelService,
    private readonly notifier: CommitNotifier,
  ) {}

  /** Moves a customer by hand to any stage, recording who and why. */
  async moveCustomer(customerId: string, to: string, reason: string, actor: string, at = new Date()): Promise<void> {
    const model = await this.models.current();
    if (!isKnownStage(model, to))
      throw new ClmError('UNKNOWN_STAGE', `to: "${to}" is not a stage of the lifecycle model "${model.name}"`, { field: 'to' });
    if (reason.trim() === '') throw new ClmError('INVALID_INPUT', 'reason: say why the customer is moved by hand', { field: 'reason' });
    const moved = await inTransaction(this.dataSource, async (manager) => {
      const rows: CustomerStateRow[] = await manager.query(`SELECT ${customerStateColumns} FROM customers WHERE id = $1 FOR UPDATE`, [
        customerId,
      ]);
      if (rows.length === 0) throw new ClmError('CUSTOMER_NOT_FOUND', `no customer with id "${customerId}"`, { field: 'id' });
      const result = applyManualMove(model, toLifecycleState(rows[0]), to, at);
      await writeTransitions(
        manager,
        result.transitions.map((transition) => ({ ...transition, customerId, actor, reason: reason.trim() })),
      );
      await writeCustomerStates(manager, [withLifecycleState(rows[0], result.state)]);
      return result.transitions.length > 0;
    });
    if (moved) this.notifier.committed();
  }

  /**
   * Moves inactive customers to at-risk and churned as of `asOf`. Works in
   * batches of locked rows, so it is safe beside ingest and beside another
   * sweep (a customer already moved is not moved again).
   */
  async runInactivitySweep(asOf = new Date()): Promise<SweepResult> {
    const model = await this.models.current();
    const funnel = model.stages.map((stage) => stage.key);
    const sweptStages = funnel.slice(Math.max(0, funnel.indexOf(model.inactivity.fromStage)));
    const atRiskBefore = new Date(asOf.getTime() - model.inactivity.atRiskAfterDays * DAY_MS).toISOString();
    const churnedBefore = new Date(asOf.getTime() - model.inactivity.churnedAfterDays * DAY_MS).toISOString();
    const result: SweepResult = { examined: 0, atRisk: 0, churned: 0 };
    let lastId = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const batch = await inTransaction(this.dataSource, async (manager) => {
        const rows: CustomerStateRow[] = await manager.query(
          `SELECT ${customerStateColumns} FROM customers
            WHERE id > $1 AND ((stage = ANY ($2::text[]) AND last_seen_at <= $3) OR (stage = $4 AND last_seen_at <= $5))
            ORDER BY id LIMIT $6 FOR UPDATE SKIP LOCKED`,
          [lastId, sweptStages, atRiskBefore, AT_RISK, churnedBefore, SWEEP_BATCH],
        );
        const transitions: TransitionRow[] = [];
        const changed: CustomerStateRow[] = [];
        for (const row of rows) {
          const swept = applyInactivity(model, toLifecycleState(row), asOf);
          if (swept.transitions.length === 0) continue;
          changed.push(withLifecycleState(row, swept.state));
          transitions.push(...swept.transitions.map((transition) => ({ ...transition, customerId: row.id })));
        }
        await writeTransitions(manager, transitions);
        await writeCustomerStates(manager, changed);
        return { rows, transitions };
      });
      if (batch.transitions.length > 0) this.notifier.committed();
      result.examined += batch.rows.length;
      result.atRisk += batch.transitions.filter((transition) => transition.to === AT_RISK).length;
      result.churned += batch.transitions.filter((transition) => transition.to === CHURNED).length;
      if (batch.rows.length < SWEEP_BATCH) return result;
      lastId = batch.rows[batch.rows.length - 1].id;
    }
  }

  /**
   * Customers in each stage now: the model's funnel in order, then at-risk
   * and churned; with the snapshot the counts were taken in, so a live
   * subscriber can continue exactly from them.
   */
  async stageCounts(): Promise<{ counts: StageCount[]; snapshot: Snapshot }> {
    const model = await this.models.current();
    // One statement, one snapshot: the counts and the snapshot agree.
    const rows: Array<{ stage: string | null; count: number; snapshot: string }> = await this.dataSource.query(
      `SELECT s.stage, s.count, pg_current_snapshot()::text AS snapshot
         FROM (SELECT stage, count(*)::int AS count FROM customers WHERE stage IS NOT NULL GROUP BY stage) s
         RIGHT JOIN (SELECT 1) one ON TRUE`,
    );
    const counts = new Map(rows.filter((row) => row.stage !== null).map((row) => [row.stage as string, row.count]));
    const known = [...model.stages.map((stage) => stage.key), AT_RISK, CHURNED];
    const extra = [...counts.keys()].filter((stage) => !known.includes(stage)).sort();
    return {
      counts: [...known, ...extra].map((stage) => ({ stage, count: counts.get(stage) ?? 0 })),
      snapshot: parseSnapshot(rows[0].snapshot),
    };
  }

  /** Transitions between each pair of stages with event time in [from, to). */
  async transitionCounts(from: Date | null, to: Date | null): Promise<TransitionCount[]> {
    return this.dataSource.query(
      `SELECT from_stage AS "from", to_stage AS "to", count(*)::int AS count FROM stage_transitions
        WHERE ($1::timestamptz IS NULL OR occurred_at >= $1) AND ($2::timestamptz IS NULL OR occurred_at < $2)
        GROUP BY from_stage, to_stage ORDER BY count DESC, from_stage NULLS FIRST, to_stage`,
      [from?.toISOString() ?? null, to?.toISOString() ?? null],
    );
  }
}
