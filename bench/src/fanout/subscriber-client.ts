import { log } from '../shared/cli.js';
import { forkBenchProcess } from './forked.js';
import type { ClientReply, ClientRequest, DeliveryTimes, SubscriptionSpec, SubscriptionTally, Target } from './protocol.js';

/** The subscriber process, seen from the bench. */
export type SubscriberClient = ReturnType<typeof startSubscriberClient>;

/** How long deliveries may stop arriving before a phase is declared stuck. */
const IDLE_TIMEOUT_MS = 60_000;
const POLL_MS = 20;

/** Forks subscriber-process.js. */
export function startSubscriberClient() {
  const child = forkBenchProcess<ClientRequest, ClientReply>('subscriber-process.js');
  return {
    /** Connects and subscribes; resolves once every connection is acknowledged and every subscribe message sent. */
    open: async (target: Target, connections: number, subscriptions: SubscriptionSpec[]): Promise<void> => {
      await child.ask({ type: 'open', target, connections, subscriptions }, 'opened');
    },
    /** Resolves once `expected` deliveries have arrived since open; fails on a subscription error or when nothing arrives for a minute. */
    waitFor: async (expected: number): Promise<void> => {
      let last = -1;
      let lastChange = Date.now();
      for (;;) {
        const progress = await child.ask({ type: 'progress' }, 'progress');
        if (progress.errors.length > 0) throw new Error(`subscriptions failed: ${progress.errors.join('; ')}`);
        if (progress.received >= expected) return;
        if (progress.received !== last) {
          last = progress.received;
          lastChange = Date.now();
        } else if (Date.now() - lastChange > IDLE_TIMEOUT_MS) {
          throw new Error(`stuck at ${progress.received} of ${expected} deliveries`);
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    },
    /** The phase's delivery latencies against each batch's response time, every subscription's tally, and the frames subscription 0 received. */
    collect: (respondedAt: Record<number, number>): Promise<{ times: DeliveryTimes; tallies: SubscriptionTally[]; frames: string[] }> =>
      child.ask({ type: 'collect', respondedAt }, 'collected'),
    close: async (): Promise<void> => {
      await child.ask({ type: 'close' }, 'closed');
    },
    stop: async (): Promise<void> => {
      const exit = await child.stop();
      if (exit.code !== 0 && exit.signal !== 'SIGTERM') log(`the subscriber process exited with ${JSON.stringify(exit)}`);
    },
  };
}
