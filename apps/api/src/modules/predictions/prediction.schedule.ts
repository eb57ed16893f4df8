import type { PredictionService } from './prediction.service';

/**
 * Refits the prediction models every `intervalSeconds` with the default
 * request (calibration date today minus the default holdout). A run still
 * going when the next is due is not overlapped. A refused run (no purchases
 * yet) is not an error: it is reported through `onSkipped` and the latest
 * fit stays.
 */
export class PredictionSchedule {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly predictions: PredictionService,
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

  /** One scheduled fit now (what the timer does); resolves when it has finished or been refused. */
  runOnce(): Promise<void> {
    if (!this.running) {
      this.running = this.predictions
        .fit({}, 'schedule')
        .then(() => undefined, this.onError)
        .finally(() => {
          this.running = null;
        });
    }
    return this.running;
  }

  private run(): void {
    void this.runOnce();
  }
}
