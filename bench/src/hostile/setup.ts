import { randomBytes } from 'node:crypto';
import { log } from '../shared/cli.js';
import { post, query } from '../shared/graphql.js';
import { at, field } from '../shared/json.js';
import { round } from '../shared/stats.js';
import { refusalOf } from './clients.js';
import type { Endpoint } from './clients.js';
import type { HostileContext } from './report.js';
import type { HostileRequest, PricingDist } from './requests.js';

/*
 * What a run sets up on the server before its phases, with the admin key:
 * keys, the segment the filtered metrics name; and what it checks: the
 * server's cost limit, and that each hostile request is answered alone while
 * the next larger one is refused.
 */

/** The segment the filtered metrics name: every customer who ever bought (a large membership to join). */
const FILTER_SEGMENT_RULE = { behaviour: { types: ['purchase'], operator: 'GTE', value: 1 } };

export async function createKey(admin: Endpoint, name: string, scope: 'READ' | 'INGEST'): Promise<string> {
  const data = await query(
    admin.url,
    admin.key,
    'mutation ($name: String!, $scopes: [Scope!]!) { createApiKey(name: $name, scopes: $scopes) { key } }',
    {
      name,
      scopes: [scope],
    },
  );
  const key = at(data, 'createApiKey', 'key');
  if (typeof key !== 'string') throw new Error(`createApiKey answered without a key: ${JSON.stringify(data)}`);
  return key;
}

export async function createSegment(admin: Endpoint): Promise<string> {
  const data = await query(admin.url, admin.key, 'mutation ($input: CreateSegmentInput!) { createSegment(input: $input) { id } }', {
    input: { name: `bench hostile buyers ${randomBytes(3).toString('hex')}`, rule: FILTER_SEGMENT_RULE },
  });
  const id = at(data, 'createSegment', 'id');
  if (typeof id !== 'string') throw new Error(`createSegment answered without an id: ${JSON.stringify(data)}`);
  return id;
}

/** The server's cost limit, read from the refusal of a preview far above any sensible limit. */
export async function serverCostLimit(endpoint: Endpoint, pricing: PricingDist): Promise<number> {
  const rule = { or: Array.from({ length: 150 }, (_, index) => ({ behaviour: { types: [`t${index}`], operator: 'GTE', value: 1 } })) };
  const body = JSON.stringify({ query: 'query ($rule: SegmentRuleInput!) { previewSegment(rule: $rule) { count } }', variables: { rule } });
  const { json } = await post(endpoint.url, endpoint.key, body);
  const errors = field(json, 'errors');
  const extensions = Array.isArray(errors) ? field(errors[0], 'extensions') : undefined;
  const limit = field(extensions, 'limit');
  if (field(extensions, 'code') !== 'COST_LIMIT_EXCEEDED' || typeof limit !== 'number')
    throw new Error(
      `a preview costing ${pricing.ruleCost(rule, new Date())} was not refused with COST_LIMIT_EXCEEDED: ${JSON.stringify(json).slice(0, 500)}`,
    );
  log(`the server's cost limit is ${limit}`);
  return limit;
}

/**
 * Sends each request alone (it must not be refused over the cost limit; a
 * time limit may refuse it) and the next larger one of its kind (it must be
 * refused with COST_LIMIT_EXCEEDED); stops the run when either fails, since
 * the requests would then not be the costliest allowed.
 */
export async function checkRequests(probe: Endpoint, all: readonly HostileRequest[]): Promise<HostileContext['checks']> {
  log(`checking the ${all.length} hostile requests: each alone, and the next larger one refused over the cost limit`);
  const checks: HostileContext['checks'] = [];
  for (const request of all) {
    const started = performance.now();
    const refusal = await refusalOf(probe, request.body);
    // Over the cost limit means the request was built wrong; any other refusal (a time limit) is the server's answer to it.
    if (refusal?.code === 'COST_LIMIT_EXCEEDED')
      throw new Error(`${request.name} (cost ${request.cost}) was refused over the cost limit: ${refusal.message}`);
    const seconds = round((performance.now() - started) / 1000, 1);
    const oneMore = request.oneMore === '' ? null : await refusalOf(probe, request.oneMore);
    if (request.oneMore !== '' && oneMore?.code !== 'COST_LIMIT_EXCEEDED')
      throw new Error(
        `${request.name}: the next larger request (cost ${request.oneMoreCost}) was not refused over the cost limit: ${JSON.stringify(oneMore)}`,
      );
    const alone = refusal === null ? 'answered' : `refused with ${refusal.code}`;
    log(`  ${request.name}: cost ${request.cost} ${alone} alone in ${seconds} s; cost ${request.oneMoreCost} refused`);
    checks.push({
      request: request.name,
      cost: request.cost,
      seconds,
      refusedAlone: refusal?.code ?? null,
      oneMoreCost: request.oneMoreCost,
      oneMoreRefusal: oneMore?.code ?? null,
    });
  }
  return checks;
}
