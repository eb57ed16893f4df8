/**
 * A job run every `intervalSeconds` (0 or less: never by itself) and on
 * demand, never overlapped: a run asked for while one is going (by the timer
 * or by `poke`) runs once more right after it, however many asked. `stop`
 * waits for the run in progress. Errors go to `onError`; the next run still
 * comes.
 */
export class IntervalSchedule {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly job: () => Promise<unknown>,
    private readonly intervalSeconds: number,
    private readonly onError: (error: unknown) => void,
    private readonly options: { runAtStart?: boolean } = {},
  ) {}

  start(): void {
    if (this.intervalSeconds <= 0) return;
    this.timer = setInterval(() => this.poke(), this.intervalSeconds * 1000);
    this.timer.unref();
    if (this.options.runAtStart) this.poke();
  }

  /** Run now, or once more right after the run in progress. */
  poke(): void {
    if (this.stopped || this.intervalSeconds <= 0) return;
    if (this.running) {
      this.again = true;
      return;
    }
    void this.runOnce();
  }

  /** One run now, or the one in progress; resolves when it has finished (its error goes to onError). */
  runOnce(): Promise<void> {
    if (!this.running) {
      this.running = this.job()
        .then(() => undefined, this.onError)
        .finally(() => {
          this.running = null;
          if (this.again) {
            this.again = false;
            this.poke();
          }
        });
    }
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    while (this.running) await this.running;
  }
}
