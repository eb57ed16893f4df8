import type { Db, UnitOfWork } from '../../database/db';
import type { SegmentRelations } from '../segments';
import {
  appendFirings,
  claimCooldowns,
  decideHits,
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
const BATCH = 500;

/**
 * The stored schedule, run once across instances. A run (1) records the
 * hits of time triggers (stuck in a stage, no touchpoint) as of `asOf`, one
 * transaction per playbook holding its row with SKIP LOCKED, each hit once by
 * its unique key; (2) decides every pending hit due by `asOf`, oldest first,
 * in batches locked FOR UPDATE SKIP LOCKED: two instances never take the same
 * hit, and one that restarts finds its pending hits where it left them.
 *
 * Hits are decided playbook by playbook, a few set-based statements each.
 * Deciding a hit, in order: the trigger (when `recheck`) and the condition
 * must still hold, else `dropped`; a playbook turned off records `off`; the
 * customer's limit (`claimCooldowns`, a row lock shared by every instance)
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
    const playbooks = await findPlaybooks(uow, [...new Set(hits.map((hit) => hit.playbook_id))]);
    // Playbook by playbook (a deleted one took its hits with it), a few statements each, in one order on every instance.
    for (const playbook of playbooks.sort((a, b) => a.id.localeCompare(b.id))) {
      const decisions = await this.decidePlaybook(
        uow,
        playbook,
        hits.filter((hit) => hit.playbook_id === playbook.id),
        asOf,
      );
      for (const [decision, ids] of decisions) {
        await decideHits(uow, ids, decision, asOf);
        counts[decision] += ids.length;
      }
      const fired = decisions.get('fired') ?? [];
      if (fired.length > 0) {
        await appendFirings(uow, fired, asOf);
        uow.logAppended();
      }
    }
    return { decided: hits.length, counts };
  }

  /** The decision on each of one playbook's due hits (see the class comment for the order of the checks). */
  private async decidePlaybook(uow: UnitOfWork, playbook: PlaybookRow, hits: HitRow[], asOf: Date): Promise<Map<Decision, string[]>> {
    const decisions = new Map<Decision, string[]>([
      ['fired', []],
      ['off', []],
      ['limited', []],
      ['dropped', []],
    ]);
    const decide = (decision: Decision, hit: HitRow) => decisions.get(decision)?.push(hit.id);
    const met = await stillMet(uow, playbook, hits, asOf, this.relations);
    const candidates: HitRow[] = [];
    for (const hit of hits) {
      if (met.has(hit.id)) candidates.push(hit);
      else decide('dropped', hit);
    }
    if (!playbook.enabled) {
      for (const hit of candidates) decide('off', hit);
      return decisions;
    }
    // The limit sees a customer's hits in due order: the first of each customer claims in one statement, any later
    // one (two purchases in one batch) after it, one by one.
    const ordered = candidates.sort(
      (a, b) =>
        a.customer_id.localeCompare(b.customer_id) || a.due_at.getTime() - b.due_at.getTime() || Number(BigInt(a.id) - BigInt(b.id)),
    );
    const first = ordered.filter((hit, index) => index === 0 || ordered[index - 1].customer_id !== hit.customer_id);
    const claimed = await claimCooldowns(uow, playbook.id, first, playbook.cooldown_days);
    for (const hit of first) decide(claimed.has(hit.id) ? 'fired' : 'limited', hit);
    for (const hit of ordered.filter((hit) => !first.includes(hit))) {
      const again = await claimCooldowns(uow, playbook.id, [hit], playbook.cooldown_days);
      decide(again.has(hit.id) ? 'fired' : 'limited', hit);
    }
    return decisions;
  }
}
