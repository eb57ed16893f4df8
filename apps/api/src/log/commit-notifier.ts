import type { Queryable } from '../database/db';

/** The channel on which instances tell each other that a log has grown. */
export const EVENTS_CHANNEL = 'clm_events';

/**
 * Announces committed writes. Called after COMMIT, never inside the
 * transaction (a NOTIFY there takes a lock at commit that serializes every
 * committer). Calls in the same tick are coalesced into one local poke and
 * one NOTIFY for the other instances.
 */
export class CommitNotifier {
  private scheduled = false;
  private readonly sending = new Set<Promise<void>>();

  constructor(
    private readonly db: Queryable,
    private readonly pokeLocal: () => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  committed(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const announcement = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      this.scheduled = false;
      this.pokeLocal();
      await this.db.query(`SELECT pg_notify($1, '')`, [EVENTS_CHANNEL]).catch(this.onError);
    });
    this.sending.add(announcement);
    void announcement.finally(() => this.sending.delete(announcement));
  }

  /** Resolves when every announcement already asked for has been sent (call before closing the pool). */
  async drain(): Promise<void> {
    while (this.sending.size > 0) await Promise.all([...this.sending]);
  }
}
