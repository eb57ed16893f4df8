import { generateAdminKey, startApi } from '../shared/api-process.js';
import { post } from '../shared/graphql.js';
import { startFloor } from './floor-process.js';
import type { QueryName } from './queries.js';
import type { Endpoint, RequestPlan, System } from './requests.js';
import { startStatementCounter } from './statement-counter.js';
import type { StatementCounter } from './statement-counter.js';

/** SQL statements per request of one query on one system, and which ones. */
export type StatementCount = {
  perRequest: number;
  /** Statements of the measured requests by kind (statementKind), most frequent first. */
  statements: Array<{ sql: string; perRequest: number }>;
};

export type StatementCounts = Map<QueryName, Record<System, StatementCount>>;

const WARM_REQUESTS = 2;

/** clm's pools that no request uses: the projector's steps, background jobs, health checks (their polling is counted nowhere). */
const CLM_BACKGROUND_CONNECTIONS: ReadonlySet<string> = new Set(['clm:projection', 'clm:background', 'clm:control']);

/**
 * Starts a second API instance and a second floor whose database connections
 * go through statement-counting proxies, one per system (the API's idle
 * polling must not count as the floor's statements), and runs `requests`
 * requests of each query alone, one at a time, on each: statements per
 * request = the statements counted / requests.
 */
export async function countStatements(
  plan: RequestPlan,
  databaseUrl: string,
  options: { apiDist: string; requests: number; poolSize: number },
): Promise<StatementCounts> {
  const counters: Record<System, StatementCounter> = {
    clm: await startStatementCounter(databaseUrl, CLM_BACKGROUND_CONNECTIONS),
    floor: await startStatementCounter(databaseUrl),
  };
  const key = generateAdminKey();
  const api = await startApi({
    apiDist: options.apiDist,
    databaseUrl: counters.clm.proxyUrl(databaseUrl),
    adminKey: key,
    env: { CLM_POOL_SIZE: String(options.poolSize) },
  });
  const floor = await startFloor(counters.floor.proxyUrl(databaseUrl), key, options.poolSize);
  try {
    const endpoints: Record<System, Endpoint> = { clm: { url: api.graphqlUrl, key }, floor: { url: floor.graphqlUrl, key } };
    const counts: StatementCounts = new Map();
    for (const [name, bodies] of plan) {
      counts.set(name, {
        clm: await countOne(counters.clm, endpoints.clm, bodies.clm, options.requests),
        floor: await countOne(counters.floor, endpoints.floor, bodies.floor, options.requests),
      });
    }
    return counts;
  } finally {
    await api.stop();
    await floor.stop();
    await Promise.all([counters.clm.close(), counters.floor.close()]);
  }
}

async function countOne(counter: StatementCounter, endpoint: Endpoint, bodies: string[], requests: number): Promise<StatementCount> {
  for (let i = 0; i < WARM_REQUESTS; i++) await post(endpoint.url, endpoint.key, bodies[i % bodies.length]);
  counter.reset();
  for (let i = 0; i < requests; i++) await post(endpoint.url, endpoint.key, bodies[i % bodies.length]);
  const byKind = new Map<string, number>();
  for (const [sql, count] of counter.snapshot()) byKind.set(statementKind(sql), (byKind.get(statementKind(sql)) ?? 0) + count);
  const byText = [...byKind].sort((a, b) => b[1] - a[1]);
  const total = byText.reduce((sum, [, count]) => sum + count, 0);
  return { perRequest: total / requests, statements: byText.map(([sql, count]) => ({ sql, perRequest: count / requests })) };
}

/**
 * A statement's text with what varies between requests folded away, so one
 * kind is counted once: parameters as $n, a run of `"t"."id" = $n` ORs (as
 * many as rows asked for) as its first, and a TypeORM column list as its length.
 */
export function statementKind(sql: string): string {
  return sql
    .replace(/\$\d+/g, '$n')
    .replace(/\(*"\w+"\."\w+" = \$n\)*(?: OR \(*"\w+"\."\w+" = \$n\)*)+/g, (run) => `${run.split(' OR ')[0]} OR …`)
    .replace(/(?:"\w+"\."\w+" AS "\w+"(?:, )?)+/g, (list) => `<${list.split(' AS ').length - 1} columns>`);
}
