import type { Db, UnitOfWork } from '../../database/db';
import type { SegmentRelations } from '../segments';
import {
  appendFiring,
  claimCooldown,
  decideHit,
  findPlaybooks,
  isTimeTrigger,
  listPlaybooks,
  lockDueHits,
  lockForScan,
  recordTimeHits,
  stillMet,
} from './playbook.sql';
import type { Decision, HitRow, PlaybookRow } from './playbook.sql';

/** What one run did: hits found by time passing, and hits decided by outcome. */
export type RunSummary = { found: number } & Record<Decision, number>;

/** Hits decided per transaction. */
const BATCH = 200;

/**
 * The stored schedule, run once across instances. A run (1) records the
 * hits of time triggers (stuck in a stage, no touchpoint) as of `asOf`, one
 * transaction per playbook holding its row with SKIP LOCKED, each hit once by
 * its unique key; (2) decides every pending hit due by `asOf`, oldest first,
 * in batches locked FOR UPDATE SKIP LOCKED: two instances never take the same
 * hit, and one that restarts finds its pending hits where it left them.
 *
 * Deciding a hit, in order: the trigger (when `recheck`) and the condition
 * must still hold, else `dropped`; a playbook turned off records `off`; the
 * customer's limit (`claimCooldown`, a row lock shared by every instance)
 * records `limited`; otherwise it fires: `fired`, and one row appended to the
 * firing log in the same transaction (announced after COMMIT).
 */
export class PlaybookRunner {
  constructor(
    private readonly db: Db,
    private readonly relations: SegmentRelations,
  ) {}

  /** The same runner on other connections (another instance's, in tests). */
  on(db: Db): PlaybookRunner {
    return new PlaybookRunner(db, this.relations);
  }

  async run(asOf = new Date()): Promise<RunSummary> {
    const summary: RunSummary = { found: await this.scan(asOf), fired: 0, off: 0, limited: 0, dropped: 0 };
    for (;;) {
      const { decided, counts } = await this.db.transaction((uow) => this.decideBatch(uow, asOf));
      for (const decision of Object.keys(counts) as Decision[]) summary[decision] += counts[decision];
      if (decided < BATCH) return summary;
    }
  }

  /** Records the hits of every time-triggered playbook (on or off: off ones are the holdout). */
  private async scan(asOf: Date): Promise<number> {
    let found = 0;
    for (const playbook of await listPlaybooks(this.db)) {
      const kind = playbook.trigger.kind;
      if (!isTimeTrigger(kind)) continue;
      found += await this.db.transaction(async (uow) =>
        (await lockForScan(uow, playbook.id)) ? recordTimeHits(uow, { id: playbook.id, kind }, asOf) : 0,
      );
    }
    return found;
  }

  private async decideBatch(uow: UnitOfWork, asOf: Date): Promise<{ decided: number; counts: Record<Decision, number> }> {
    const counts: Record<Decision, number> = { fired: 0, off: 0, limited: 0, dropped: 0 };
    const hits = await lockDueHits(uow, asOf, BATCH);
    if (hits.length === 0) return { decided: 0, counts };
    const playbooks = new Map((await findPlaybooks(uow, [...new Set(hits.map((hit) => hit.playbook_id))])).map((row) => [row.id, row]));
    // Per customer in due order (the limit sees earlier firings first), and the cooldown rows locked in one order by
    // every instance.
    const ordered = [...hits].sort(
      (a, b) =>
        a.playbook_id.localeCompare(b.playbook_id) ||
        a.customer_id.localeCompare(b.customer_id) ||
        a.due_at.getTime() - b.due_at.getTime() ||
        Number(BigInt(a.id) - BigInt(b.id)),
    );
    for (const hit of ordered) {
      const playbook = playbooks.get(hit.playbook_id);
      if (playbook === undefined) continue; // deleted with its hits since they were read
      const decision = await this.decide(uow, playbook, hit, asOf);
      await decideHit(uow, hit.id, decision, asOf);
      if (decision === 'fired') {
        await appendFiring(uow, playbook, hit, asOf);
        uow.logAppended();
      }
      counts[decision]++;
    }
    return { decided: hits.length, counts };
  }

  private async decide(uow: UnitOfWork, playbook: PlaybookRow, hit: HitRow, asOf: Date): Promise<Decision> {
    if (!(await stillMet(uow, playbook, hit, asOf, this.relations))) return 'dropped';
    if (!playbook.enabled) return 'off';
    return (await claimCooldown(uow, hit, playbook.cooldown_days)) ? 'fired' : 'limited';
  }
}
