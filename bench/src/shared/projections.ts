import { log } from './cli.js';
import { withClient } from './postgres.js';
import { round } from './stats.js';

/**
 * Waits until the metrics and segments projections have applied the whole
 * touchpoint and transition logs (a dataset loaded with COPY is new to
 * them), then analyzes, as autovacuum would after such a load.
 */
export async function waitForProjections(url: string): Promise<void> {
  log('waiting for the projections to apply the loaded logs');
  const started = performance.now();
  await withClient(url, async (client) => {
    for (;;) {
      const { rows } = await client.query<{ behind: number }>(
        `SELECT count(*)::int AS behind
           FROM (VALUES ('metrics'), ('segments')) p(projection)
           CROSS JOIN (VALUES ('touchpoints', (SELECT max(id) FROM touchpoints)),
                              ('stage_transitions', (SELECT max(id) FROM stage_transitions))) l(log, head)
           LEFT JOIN projection_positions pp ON pp.projection = p.projection AND pp.log = l.log
          WHERE coalesce(pp.id, 0) < coalesce(l.head, 0)`,
      );
      if (rows[0].behind === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    log(`projections caught up in ${round((performance.now() - started) / 1000, 1)} s; analyzing`);
    await client.query('ANALYZE');
  });
}
