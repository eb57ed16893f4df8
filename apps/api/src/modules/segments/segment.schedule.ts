import type { SegmentService } from './segment.service';

/**
 * Re-evaluates every segment every `intervalSeconds`, so rules over time
 * ("no login for 30 days", "days in stage ≥ 14") change membership when time
 * passes without any event. A run still going when the next is due is not
 * overlapped; the next one starts after it.
 */
export class SegmentSchedule {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly segments: SegmentService,
    private readonly intervalSeconds: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    if (this.intervalSeconds <= 0) return;
    this.timer = setInterval(() => this.run(), this.intervalSeconds * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private run(): void {
    if (this.running) return;
    this.running = this.segments
      .refreshOnSchedule()
      .then(() => undefined, this.onError)
      .finally(() => {
        this.running = null;
      });
  }
}
