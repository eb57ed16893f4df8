import { loadDemo } from './demo-loader';
import type { DemoLoadResult, DemoLog, DemoServices } from './demo-loader';
import { DEMO_CUSTOMERS, DEMO_SEED, demoExternalId, planDemo } from './demo-plan';
import { demoVisitorOf } from './demo-story';
import { measureDemoRates } from './demo-rates';
import { DemoSimulator } from './demo-simulator';
import type { SimulatorOptions } from './demo-simulator';

export type DemoOptions = {
  customers?: number;
  seed?: number;
  /** The simulator's tick; 0 leaves the simulator off (tests that only load). */
  simulateEveryMs?: number;
  /** "Today" for the plan: now by default. */
  today?: Date;
  /** The simulator's pace (tests run it faster): see DemoSimulator. */
  simulator?: Pick<SimulatorOptions, 'speed' | 'headStartMs'>;
};

/** A running demo. */
export type Demo = {
  /**
   * Settles once the demo business is in place and the simulator runs: with
   * what was loaded, or null when the database already held the demo. Rejects
   * when the load failed (the simulator then stays off).
   */
  ready: Promise<DemoLoadResult | null>;
  /** The simulator, once started. */
  simulator: () => DemoSimulator | null;
  /** Stops the load between two batches (or the simulator between two ticks) and waits for it. */
  stop: () => Promise<void>;
};

/**
 * Starts the demo on a database: an empty one (no customers) gets the demo
 * business, loaded in the background through the public services (the API
 * serves meanwhile, and the board fills up as it loads); one that already
 * holds the demo (its first visitor, visitor-00001, exists) keeps its data and
 * only the simulator resumes; one with customers of its own is left alone
 * (null).
 */
export async function startDemo(services: DemoServices, log: DemoLog, options: DemoOptions = {}): Promise<Demo | null> {
  const customers = options.customers ?? DEMO_CUSTOMERS;
  const page = await services.customers.list({}, { field: 'CREATED_AT', direction: 'ASC' }, { first: 1 });
  const empty = page.edges.length === 0;
  if (!empty && (await services.customers.find({ anonymousId: demoVisitorOf(demoExternalId(1)) })) === null) {
    log.info('demo: the database has customers of its own, so the demo stays off (CLM_DEMO=0 silences this)');
    return null;
  }
  if (!empty) log.info('demo: the demo business is already loaded; resuming the simulator');

  let stopping = false;
  let simulator: DemoSimulator | null = null;
  const ready = (async () => {
    let loaded: DemoLoadResult | null = null;
    // Resuming, the plan is made again (a quarter of a second for 5,000 customers) for its rates: the simulator keeps them.
    const plan = planDemo({ seed: options.seed ?? DEMO_SEED, customers, today: options.today ?? new Date() });
    if (empty) loaded = await loadDemo(services, plan, log, () => stopping);
    const every = options.simulateEveryMs ?? 1000;
    if (!stopping && every > 0) {
      simulator = new DemoSimulator(services.ingest, log, { rates: measureDemoRates(plan), intervalMs: every, ...options.simulator });
      simulator.start();
    }
    return loaded;
  })();
  return {
    ready,
    simulator: () => simulator,
    stop: async () => {
      stopping = true;
      await ready.catch(() => undefined);
      await simulator?.stop();
    },
  };
}
