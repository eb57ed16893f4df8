import { post } from '../shared/graphql.js';
import { at, isObject } from '../shared/json.js';
import { READ_QUERIES } from './queries.js';
import type { QueryName } from './queries.js';
import type { Endpoint, RequestPlan, System } from './requests.js';

/** Where two JSON values first differ. */
export type Difference = { path: string; clm: unknown; floor: unknown };

/** Bodies of Q2 compared (it cycles through many customers). */
const Q2_CHECKED = 20;

/**
 * Before any timing: asks both systems every planned request (the first
 * Q2_CHECKED for Q2; clm twice, so its compiled path answers too) and throws on the first answer that is not deep-equal
 * (numbers compared as numbers), or that carries errors or no rows.
 */
export async function verifyAnswers(plan: RequestPlan, endpoints: Record<System, Endpoint>): Promise<void> {
  for (const [name, bodies] of plan) {
    const count = name === 'q2' ? Math.min(Q2_CHECKED, bodies.clm.length) : bodies.clm.length;
    for (let i = 0; i < count; i++) {
      const floor = await post(endpoints.floor.url, endpoints.floor.key, bodies.floor[i]);
      checkAnswer(name, 'floor', floor.status, floor.json);
      // Twice: clm compiles a query's document on its second run (apps/api/src/server/compiled-execution.ts).
      for (let run = 0; run < 2; run++) {
        const clm = await post(endpoints.clm.url, endpoints.clm.key, bodies.clm[i]);
        checkAnswer(name, 'clm', clm.status, clm.json);
        const difference = firstDifference(clm.json, floor.json, '');
        if (difference) throw new Error(describeMismatch(name, bodies.clm[i], difference));
      }
    }
  }
}

function checkAnswer(name: QueryName, system: System, status: number, json: unknown): void {
  const problem =
    status !== 200
      ? `HTTP ${status}`
      : at(json, 'errors') !== undefined
        ? 'errors'
        : !hasRows(name, at(json, 'data'))
          ? 'no rows (is the dataset loaded?)'
          : null;
  if (problem) throw new Error(`${READ_QUERIES[name].title}: ${system} answered with ${problem}: ${JSON.stringify(json).slice(0, 1000)}`);
}

function hasRows(name: QueryName, data: unknown): boolean {
  if (name === 'q2') return isObject(at(data, 'customer'));
  const edges = at(data, 'customers', 'edges');
  return Array.isArray(edges) && edges.length > 0;
}

/** The first difference between two parsed JSON values (object key order ignored), or null when deep-equal. */
export function firstDifference(clm: unknown, floor: unknown, path: string): Difference | null {
  if (Array.isArray(clm) && Array.isArray(floor)) {
    if (clm.length !== floor.length) return { path: `${path}.length`, clm: clm.length, floor: floor.length };
    for (let i = 0; i < clm.length; i++) {
      const difference = firstDifference(clm[i], floor[i], `${path}[${i}]`);
      if (difference) return difference;
    }
    return null;
  }
  if (isObject(clm) && isObject(floor)) {
    const keys = [...new Set([...Object.keys(clm), ...Object.keys(floor)])];
    for (const key of keys) {
      if (!(key in clm) || !(key in floor)) return { path: `${path}.${key}`, clm: clm[key], floor: floor[key] };
      const difference = firstDifference(clm[key], floor[key], `${path}.${key}`);
      if (difference) return difference;
    }
    return null;
  }
  return Object.is(clm, floor) || (typeof clm === 'number' && clm === floor) ? null : { path: path || '(root)', clm, floor };
}

function describeMismatch(name: QueryName, body: string, difference: Difference): string {
  return [
    `${READ_QUERIES[name].title}: clm and the floor answered differently; stopping before any timing.`,
    `  request: ${body.slice(0, 300)}`,
    `  first difference at ${difference.path}:`,
    `    clm:   ${JSON.stringify(difference.clm)?.slice(0, 500)}`,
    `    floor: ${JSON.stringify(difference.floor)?.slice(0, 500)}`,
  ].join('\n');
}
