import { log } from './cli.js';

type Step = () => Promise<unknown>;

/**
 * Undo steps run last-in first-out at the end of a run, or on Ctrl-C or
 * SIGTERM: scratch databases dropped, processes stopped, embedded servers
 * shut down.
 */
export class Cleanup {
  private readonly steps: Step[] = [];
  private interrupted = false;

  constructor() {
    for (const [signal, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      process.once(signal, () => {
        this.interrupted = true;
        log(`${signal}: cleaning up`);
        void this.run().finally(() => process.exit(code));
      });
    }
  }

  /** Registers a step; it runs before every step registered earlier. */
  push(step: Step): void {
    this.steps.push(step);
  }

  /** Runs every step once; a failing step is logged and the others still run. */
  async run(): Promise<void> {
    for (let step = this.steps.pop(); step !== undefined; step = this.steps.pop()) {
      await step().catch((error: unknown) => log(`cleanup: ${error instanceof Error ? error.message : String(error)}`));
    }
  }

  /** Runs the steps at the end of a run unless Ctrl-C is already doing it. */
  async finish(): Promise<void> {
    if (!this.interrupted) await this.run();
  }
}

/**
 * Runs a benchmark, then its clean-up steps whatever happened; a failure is
 * printed (after the clean-up) and the exit code is 1.
 */
export function runBenchmark(run: (cleanup: Cleanup) => Promise<void>): void {
  const cleanup = new Cleanup();
  const finished = async () => {
    try {
      await run(cleanup);
    } finally {
      await cleanup.finish();
    }
  };
  finished().catch((error: unknown) => {
    process.stderr.write(`bench: FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
