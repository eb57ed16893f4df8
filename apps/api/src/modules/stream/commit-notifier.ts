import type { DataSource } from 'typeorm';

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

  constructor(
    private readonly dataSource: DataSource,
    private readonly pokeLocal: () => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  committed(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pokeLocal();
      this.dataSource.query(`SELECT pg_notify($1, '')`, [EVENTS_CHANNEL]).catch(this.onError);
    });
  }
}
