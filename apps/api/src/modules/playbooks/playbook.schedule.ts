import type { PlaybookRunner, RunSummary } from './playbook.runner';

/**
 * Runs the playbooks' stored schedule every `intervalSeconds`, and soon after
 * a poke (the projection found hits due at once). A run still going is not
 * overlapped; a poke during one runs once more after it. Everything it acts
 * on is in the database, so a restart loses nothing and several instances
 * can run it at once (see PlaybookRunner).
 */
export class PlaybookSchedule {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly runner: PlaybookRunner,
    private readonly intervalSeconds: number,
    private readonly onError: (error: unknown) => void,
    private readonly onRun: (summary: RunSummary) => void = () => undefined,
  ) {}

  start(): void {
    if (this.intervalSeconds <= 0) return;
    this.timer = setInterval(() => this.poke(), this.intervalSeconds * 1000);
    this.timer.unref();
    this.poke();
  }

  /** Run now (or right after the run in progress). */
  poke(): void {
    if (this.stopped || this.intervalSeconds <= 0) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.runner
      .run()
      .then(this.onRun, this.onError)
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    while (this.running) await this.running;
  }
}
