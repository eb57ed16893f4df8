import { withClient } from '../shared/postgres.js';
import { nextHash } from './protocol.js';
import type { SubscriptionSpec, SubscriptionTally } from './protocol.js';

type LoggedTransition = { id: string; from_stage: string | null; to_stage: string };

/** Whether a subscription with `stages` receives `transition` (the API's rule: into or out of one of them). */
function wants(stages: string[] | null, transition: LoggedTransition): boolean {
  if (stages === null) return true;
  return stages.includes(transition.to_stage) || (transition.from_stage !== null && stages.includes(transition.from_stage));
}

/** The whole transition log in commit order, as every subscription (all started before the first) must have received it. */
export async function readLog(databaseUrl: string): Promise<LoggedTransition[]> {
  return withClient(databaseUrl, async (client) => {
    const result = await client.query<LoggedTransition>(
      // Ordered by the columns, not by the text output column `id` ('10' < '2').
      `SELECT t.id::text AS id, t.from_stage, t.to_stage FROM stage_transitions t ORDER BY t.tx_id, t.id`,
    );
    return result.rows;
  });
}

/** What each subscription should have received from `log`: count and ordered hash. */
export function expectedTallies(log: readonly LoggedTransition[], subscriptions: readonly SubscriptionSpec[]): SubscriptionTally[] {
  const byFilter = new Map<string, SubscriptionTally>();
  return subscriptions.map(({ stages }) => {
    const key = JSON.stringify(stages);
    let tally = byFilter.get(key);
    if (!tally) {
      tally = { count: 0, hash: 0 };
      for (const transition of log) {
        if (!wants(stages, transition)) continue;
        tally.count += 1;
        tally.hash = nextHash(tally.hash, transition.id);
      }
      byFilter.set(key, tally);
    }
    return tally;
  });
}

/** Subscriptions whose tally differs from the expected one, described; empty when all match. */
export function tallyMismatches(
  actual: readonly SubscriptionTally[],
  expected: readonly SubscriptionTally[],
  subscriptions: readonly SubscriptionSpec[],
): string[] {
  return expected.flatMap((want, index) => {
    const got = actual[index];
    if (got.count === want.count && got.hash === want.hash) return [];
    const filter = JSON.stringify(subscriptions[index].stages);
    return [`subscription ${index} (stages ${filter}): ${got.count} events (hash ${got.hash}), expected ${want.count} (hash ${want.hash})`];
  });
}

/** The total deliveries `expected` adds up to. */
export function totalDeliveries(expected: readonly SubscriptionTally[]): number {
  return expected.reduce((sum, tally) => sum + tally.count, 0);
}
