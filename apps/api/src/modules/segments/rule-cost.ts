import { isRecord } from '../../core/field-cost';
import type { FieldCostInput } from '../../core/field-cost';
import { SEGMENT_FIELDS } from './segment-fields';
import type { FieldRegistry } from './segment-fields';
import { RULE_LIMITS } from './rule-validation';

/*
 * The price of evaluating a segment rule over every customer, in
 * operation-cost units (see server/operation-limits.ts), from the work its
 * compiled SQL (rule-compiler.ts) makes the database do. Pure: no I/O, no
 * clock (the evaluation time is an argument).
 *
 * Invariants:
 * - total: any JSON value is priced (the rule arrives as sent, before it is
 *   validated; what is not a rule node costs nothing here and is refused by
 *   the validator), in time linear in its size, without recursion;
 * - a rule with more nodes than the validator allows (RULE_LIMITS.maxNodes)
 *   costs 1: the validator refuses it before anything runs, with a message
 *   naming that limit, which is the more useful answer;
 * - monotone up to that size: adding a condition, or widening a behaviour
 *   window, never lowers the price;
 * - a behaviour condition is a scan of touchpoints grouped by customer: it
 *   costs a base plus one unit per `daysPerUnit` days of its window (all
 *   history counts as `everDays`), plus a unit per property condition,
 *   which is read from every touchpoint's JSON.
 */

export const RULE_COST = {
  /** Every group and condition: planning and evaluating it per customer. */
  node: 1,
  /** A customer field read through a lookup (NPS_SCORE), joined once per field name. */
  lookup: 50,
  /** The acquisitions table, joined once whatever the number of acquisition conditions. */
  acquisitionJoin: 10,
  /** A behaviour condition's scan and aggregation of touchpoints, before its window. */
  behaviourBase: 100,
  /** A behaviour window costs 1 per this many days. */
  daysPerUnit: 4,
  /** A behaviour condition without a window (or a longer one) reads about ten years of touchpoints. */
  everDays: 3650,
  /** A touchpoint property condition inside a behaviour condition. */
  property: 10,
} as const;

const DAY_MS = 86_400_000;

/** The price of evaluating `rule` (a SegmentRuleInput as sent, or anything) as of `asOf`. */
export function ruleCost(rule: unknown, asOf: Date, fields: FieldRegistry = SEGMENT_FIELDS): number {
  let cost = 0;
  let nodes = 0;
  let acquisitionJoined = false;
  const lookups = new Set<string>();
  const pending: unknown[] = [rule];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (!isRecord(node)) continue;
    nodes += 1;
    cost += RULE_COST.node;
    for (const key of ['and', 'or'] as const) {
      const children = node[key];
      if (Array.isArray(children)) for (const child of children) pending.push(child);
    }
    if (node.not !== undefined) pending.push(node.not);
    const field = node.field;
    if (isRecord(field) && typeof field.field === 'string' && Object.hasOwn(fields, field.field)) {
      if ('lookup' in fields[field.field] && !lookups.has(field.field)) {
        lookups.add(field.field);
        cost += RULE_COST.lookup;
      }
    }
    if (isRecord(node.acquisition) && !acquisitionJoined) {
      acquisitionJoined = true;
      cost += RULE_COST.acquisitionJoin;
    }
    if (isRecord(node.behaviour)) cost += behaviourCost(node.behaviour, asOf);
  }
  return nodes > RULE_LIMITS.maxNodes ? RULE_COST.node : cost;
}

/** One behaviour condition's scan (without its node's own unit). */
export function behaviourCost(condition: Readonly<Record<string, unknown>>, asOf: Date): number {
  const properties = Array.isArray(condition.properties) ? condition.properties.length : 0;
  return (
    RULE_COST.behaviourBase + Math.ceil(behaviourWindowDays(condition, asOf) / RULE_COST.daysPerUnit) + RULE_COST.property * properties
  );
}

/**
 * The days of touchpoints a behaviour condition reads, from 0 to `everDays`:
 * `withinDays`, else the span of `from`/`to` (`from` alone: up to `asOf`),
 * else all history.
 */
export function behaviourWindowDays(condition: Readonly<Record<string, unknown>>, asOf: Date): number {
  const { withinDays } = condition;
  if (typeof withinDays === 'number' && Number.isFinite(withinDays)) return clampDays(withinDays);
  const from = instant(condition.from);
  if (from === null) return RULE_COST.everDays;
  const to = instant(condition.to) ?? asOf.getTime();
  return clampDays((to - from) / DAY_MS);
}

/** The price of a `previewSegment` field: its rule as of `asOf` (now when not sent). */
export function previewSegmentCost({ args }: FieldCostInput): number {
  return ruleCost(args.rule, instantDate(args.asOf) ?? new Date());
}

/** The price of `createSegment` and `updateSegment`: the new rule, evaluated over every customer now (a rename costs 1). */
export function segmentDefinitionCost({ args }: FieldCostInput): number {
  const input = args.input;
  return Math.max(1, isRecord(input) ? ruleCost(input.rule, new Date()) : 0);
}

function clampDays(days: number): number {
  return Math.min(RULE_COST.everDays, Math.max(0, Math.ceil(days)));
}

function instant(value: unknown): number | null {
  if (typeof value !== 'string' && !(value instanceof Date)) return null;
  const time = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isFinite(time) ? time : null;
}

function instantDate(value: unknown): Date | null {
  const time = instant(value);
  return time === null ? null : new Date(time);
}
