import type { Pool } from 'pg';
import { IntervalSchedule } from '../core/interval-schedule';

/*
 * A streaming replica of the primary (CLM_READ_DATABASE_URL) that query
 * operations, previews, metrics and exports read from while it keeps up.
 *
 * How far behind it is, is measured from clm's side, not from the replica's
 * replay timestamp: that timestamp is the commit time of the last transaction
 * replayed, which grows on an idle primary that has nothing to send. Every
 * check reads the primary's flushed WAL position (a sample: position, time)
 * and then the replica's replayed position; the replica is as far behind as
 * the oldest sample it has not replayed is old. An idle primary adds no
 * samples, so a replica that has replayed everything is 0 behind however long
 * nothing was written; a paused or slow replica is behind by the age of the
 * first write it lacks (measured to within one check interval).
 */

/** Where one statement runs: the primary, or the read replica. */
export type Server = 'primary' | 'replica';

/**
 * - `starting`: not checked yet (reads go to the primary).
 * - `in use`: caught up to within the limit; eligible reads go to it.
 * - `bypassed`: further behind than the limit; reads go to the primary until it catches up.
 * - `unreachable`: it could not be connected to or queried.
 * - `not a replica`: the server is not in recovery (promoted, or the URL names a primary); it is never read.
 */
export type ReplicaState = 'starting' | 'in use' | 'bypassed' | 'unreachable' | 'not a replica';

export type ReadReplicaOptions = {
  /** CLM_READ_DATABASE_URL: the replica's database (the same database as the primary's, replicated). */
  url: string;
  /** Beyond this lag (CLM_READ_MAX_LAG_SECONDS, in ms) reads go to the primary. */
  maxLagMs: number;
  /** How often the lag is measured (CLM_READ_LAG_CHECK_SECONDS, in ms). */
  checkEveryMs: number;
};

/** What health checks report about the replica. */
export type ReplicaHealth = {
  state: ReplicaState;
  /** How long the oldest write the replica has not replayed has waited (0 when it has replayed all the primary had flushed); null before a check. */
  lagSeconds: number | null;
  /** WAL bytes the primary had flushed and the replica had not replayed at the last check. */
  lagBytes: number | null;
  /** The WAL position the replica had replayed at the last check (`pg_last_wal_replay_lsn()`). */
  replayedLsn: string | null;
  maxLagSeconds: number;
  checkedAt: Date | null;
};

/** The primary's flushed WAL position at a time (ms since the epoch). */
export type WalSample = { lsn: bigint; at: number };

/** A WAL position as PostgreSQL writes it (`16/B374D848`: high and low 32 bits in hex) as a number. */
export function parseLsn(text: string): bigint {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
  if (!match) throw new Error(`not a WAL position: ${JSON.stringify(text)}`);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

/**
 * How far a replica that has replayed up to `replayed` is behind, given the
 * primary's samples oldest first: the age at `now` of the first sample beyond
 * `replayed` (0 ms when there is none), and the bytes between the newest
 * sample and `replayed` (0 when the replica is ahead of it).
 */
export function replicaLag(samples: readonly WalSample[], replayed: bigint, now: number): { lagMs: number; lagBytes: bigint } {
  const waiting = samples.find((sample) => sample.lsn > replayed);
  const newest = samples.at(-1);
  return {
    lagMs: waiting ? Math.max(0, now - waiting.at) : 0,
    lagBytes: newest && newest.lsn > replayed ? newest.lsn - replayed : 0n,
  };
}

/**
 * The samples worth keeping after a check that found `replayed`: those beyond
 * it (the lag is the age of the first of them) and the newest (the bytes are
 * counted from it). A replica paused for hours would otherwise collect one per
 * check: beyond `cap`, the second oldest is dropped (the oldest carries the
 * lag; later ones only say how it falls as the replica catches up).
 */
export function keptSamples(samples: readonly WalSample[], replayed: bigint, cap = MAX_SAMPLES): WalSample[] {
  const newest = samples.at(-1);
  const kept = samples.filter((sample) => sample.lsn > replayed);
  if (kept.length === 0 && newest) kept.push(newest);
  while (kept.length > cap) kept.splice(1, 1);
  return kept;
}

const MAX_SAMPLES = 600;

type ReplicaRow = { recovery: boolean; replayed: string | null };

/**
 * Measures the replica's lag on a schedule and says whether reads may go to
 * it. State changes are reported through `notice` (a log line each).
 */
export class ReplicaMonitor {
  private samples: WalSample[] = [];
  private current: ReplicaHealth;
  /** The position the replica had replayed at the last measurement (null before one, or when it was not a replica). */
  private replayed: bigint | null = null;
  private readonly schedule: IntervalSchedule;

  constructor(
    private readonly primary: () => Pool,
    private readonly replica: () => Pool,
    private readonly options: ReadReplicaOptions,
    private readonly notice: (message: string, details: Record<string, unknown>) => void,
    onError: (error: unknown) => void,
  ) {
    this.current = {
      state: 'starting',
      lagSeconds: null,
      lagBytes: null,
      replayedLsn: null,
      maxLagSeconds: options.maxLagMs / 1000,
      checkedAt: null,
    };
    this.schedule = new IntervalSchedule(() => this.measure(), options.checkEveryMs / 1000, onError);
  }

  /** Whether eligible reads go to the replica now. */
  get usable(): boolean {
    return this.current.state === 'in use';
  }

  /** Whether the replica had replayed `position` at the last measurement (a client's own write: see x-clm-read-after). */
  hasReplayed(position: bigint): boolean {
    return this.replayed !== null && this.replayed >= position;
  }

  health(): ReplicaHealth {
    return { ...this.current };
  }

  start(): void {
    this.schedule.start();
  }

  /** Measures now (or waits for the measurement in progress). */
  check(): Promise<void> {
    return this.schedule.runOnce();
  }

  /** A replica connection failed at checkout: reads go to the primary until a check finds it again. */
  lost(error: unknown): void {
    this.become({ ...this.current, state: 'unreachable' }, { error: messageOf(error) });
  }

  stop(): Promise<void> {
    return this.schedule.stop();
  }

  private async measure(): Promise<void> {
    // The primary first: a replica that replays between the two reads is then at or beyond the sample, never behind it.
    const at = Date.now();
    const [{ lsn }] = (await this.primary().query<{ lsn: string }>('SELECT pg_current_wal_flush_lsn()::text AS lsn')).rows;
    const sample = { lsn: parseLsn(lsn), at };
    const last = this.samples.at(-1);
    if (last === undefined || sample.lsn > last.lsn) this.samples.push(sample);
    let row: ReplicaRow;
    try {
      [row] = (
        await this.replica().query<ReplicaRow>('SELECT pg_is_in_recovery() AS recovery, pg_last_wal_replay_lsn()::text AS replayed')
      ).rows;
    } catch (error) {
      this.become({ ...this.current, state: 'unreachable', checkedAt: new Date() }, { error: messageOf(error) });
      return;
    }
    const checkedAt = new Date();
    if (!row.recovery || row.replayed === null) {
      this.replayed = null;
      this.become({ ...this.current, state: 'not a replica', lagSeconds: null, lagBytes: null, replayedLsn: null, checkedAt }, {});
      return;
    }
    const replayed = parseLsn(row.replayed);
    this.replayed = replayed;
    const { lagMs, lagBytes } = replicaLag(this.samples, replayed, checkedAt.getTime());
    this.samples = keptSamples(this.samples, replayed);
    this.become(
      {
        ...this.current,
        state: lagMs > this.options.maxLagMs ? 'bypassed' : 'in use',
        lagSeconds: lagMs / 1000,
        lagBytes: Number(lagBytes),
        replayedLsn: row.replayed,
        checkedAt,
      },
      {},
    );
  }

  private become(next: ReplicaHealth, details: Record<string, unknown>): void {
    const previous = this.current.state;
    this.current = next;
    if (next.state === previous) return;
    const facts = { replica: next.state, lagSeconds: next.lagSeconds, maxLagSeconds: next.maxLagSeconds, ...details };
    this.notice(STATE_MESSAGES[next.state], facts);
  }
}

const STATE_MESSAGES: Record<ReplicaState, string> = {
  starting: 'the read replica is not checked yet',
  'in use': 'the read replica is caught up: queries, previews, metrics and exports read from it',
  bypassed: 'the read replica is further behind than CLM_READ_MAX_LAG_SECONDS: reads go to the primary until it catches up',
  unreachable: 'the read replica cannot be reached: reads go to the primary until it can',
  'not a replica': 'CLM_READ_DATABASE_URL names a server that is not in recovery (not a streaming replica): it is not read',
};

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
