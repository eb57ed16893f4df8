import type { JsonValue } from '@clm/schema';
import { z } from 'zod';
import { jsonBytes } from '../../core/ids';
import { EVEN_IF_FIELDS_FAILED, pathIssues } from '../../core/zod-issues';
import type { PathIssue } from '../../core/zod-issues';
import { SEGMENT_FIELDS } from './segment-fields';
import type { FieldKind, FieldRegistry } from './segment-fields';
import { ACQUISITION_TOUCHES, BEHAVIOUR_AGGREGATES, RULE_KINDS, SEGMENT_OPERATORS } from './segment-rule';
import type { BehaviourCondition, SegmentOperator, SegmentRule } from './segment-rule';
import {
  anyOperator,
  choice,
  COMPARISONS,
  describe,
  dotPath,
  fieldValueSchema,
  instant,
  isJson,
  isRecord,
  jsonValueSchema,
  nameList,
  numberValue,
  operatorOf,
  RULE_LIMITS,
} from './rule-values';

/*
 * Validation of a segment rule before it is compiled or stored. Pure: it
 * takes anything (a GraphQL input, a stored JSON value, hostile data) and
 * returns either the rule, normalised (defaults filled in, dates as ISO
 * text, no nulls), or every problem it found, each with its path in the tree
 * (`rule.and[2].behaviour.withinDays`) and a sentence naming the value.
 *
 * The shape is a zod schema (one per field registry, built once) whose
 * messages are clm's own; what needs more than one field (a value checked
 * against its field's kind and operator, the behaviour window) is checked on
 * what the schema parsed.
 *
 * Invariants:
 * - it never throws and never recurses deeper than `RULE_LIMITS.maxDepth`
 *   (the shape is measured iteratively first), so any input is safe;
 * - a rule it accepts has at most `maxNodes` nodes, only known fields and
 *   operators, and only text PostgreSQL can store.
 */

export { RULE_LIMITS } from './rule-values';

/** One problem in a rule: where it is and what is wrong. */
export type RuleIssue = PathIssue;

export type RuleValidation = { rule: SegmentRule; issues: [] } | { rule: null; issues: RuleIssue[] };

const OPERATORS_BY_KIND: Record<FieldKind, readonly SegmentOperator[]> = {
  text: ['EQ', 'NEQ', 'IN', 'CONTAINS', 'EXISTS'],
  number: ['EQ', 'NEQ', 'IN', ...COMPARISONS, 'EXISTS'],
  time: [...COMPARISONS, 'EXISTS'],
  duration: [...COMPARISONS, 'EXISTS'],
};
const BEHAVIOUR_OPERATORS: readonly SegmentOperator[] = ['EQ', 'NEQ', ...COMPARISONS];

/** Every problem in `input` as a segment rule at `path`, or the normalised rule. */
export function validateSegmentRule(input: unknown, path = 'rule', fields: FieldRegistry = SEGMENT_FIELDS): RuleValidation {
  const shapeIssues = measureShape(input, path);
  if (shapeIssues.length > 0) return { rule: null, issues: shapeIssues };
  const parsed = ruleSchema(fields).safeParse(input);
  if (!parsed.success) return { rule: null, issues: pathIssues(parsed.error, path) };
  const bytes = jsonBytes(parsed.data);
  if (bytes > RULE_LIMITS.maxRuleBytes)
    return { rule: null, issues: [{ path, message: `the rule is ${bytes} bytes of JSON; at most ${RULE_LIMITS.maxRuleBytes}` }] };
  return { rule: parsed.data, issues: [] };
}

/** Counts nodes and finds the first node nested too deep, without recursion (a hostile rule may nest 100,000 levels). */
function measureShape(input: unknown, path: string): RuleIssue[] {
  let nodes = 0;
  let tooDeep: string | null = null;
  const pending: Array<[unknown, number, string]> = [[input, 1, path]];
  for (let entry = pending.pop(); entry !== undefined; entry = pending.pop()) {
    const [value, depth, where] = entry;
    if (!isRecord(value)) continue;
    nodes += 1;
    if (depth > RULE_LIMITS.maxDepth) tooDeep ??= where;
    for (const group of ['and', 'or'] as const) {
      const children = own(value, group);
      if (Array.isArray(children)) children.forEach((child, index) => pending.push([child, depth + 1, `${where}.${group}[${index}]`]));
    }
    const negated = own(value, 'not');
    if (negated !== undefined) pending.push([negated, depth + 1, `${where}.not`]);
  }
  const issues: RuleIssue[] = [];
  if (nodes > RULE_LIMITS.maxNodes)
    issues.push({ path, message: `the rule has ${nodes} groups and conditions; at most ${RULE_LIMITS.maxNodes}` });
  if (tooDeep !== null) issues.push({ path: tooDeep, message: `nests deeper than ${RULE_LIMITS.maxDepth} levels` });
  return issues;
}

// ------------------------------------------------------------- conditions

/**
 * An object of `shape`. GraphQL's null (an omitted optional input field) is
 * read as absent; any other key is reported, and the known ones are still
 * checked.
 */
function objectOf<S extends z.core.$ZodLooseShape>(shape: S, notAnObject: string, kinds?: readonly string[]) {
  const known = Object.keys(shape);
  return z.preprocess(
    (input, context) => {
      if (!isRecord(input)) return undefined;
      const present: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(input)) {
        if (value === null || value === undefined) continue;
        if (known.includes(key)) present[key] = value;
        // An extra key does not stop the parse: zod reports it and goes on checking the rest.
        else context.addIssue({ code: 'unrecognized_keys', keys: [key], path: [key], input, message: unknownKey(known) });
      }
      if (kinds !== undefined) {
        const given = kinds.filter((kind) => Object.hasOwn(present, kind));
        if (given.length !== 1)
          context.addIssue({
            code: 'custom',
            input,
            message: `give exactly one of ${kinds.join(', ')}; got ${given.length === 0 ? 'none' : given.join(', ')}`,
          });
      }
      return present;
    },
    z.object(shape, { error: notAnObject }),
  );
}

function unknownKey(known: readonly string[]): string {
  return `is not part of this condition; expected ${known.join(', ')}`;
}

/** A compared value, checked by `schema` inside a refinement and reported at `value`; absent for EXISTS. */
function comparedValue(
  operator: SegmentOperator,
  value: unknown,
  schema: z.ZodType<JsonValue>,
  missing: string,
  context: z.core.$RefinementCtx,
): { value: JsonValue | undefined } | null {
  const fail = (message: string) => {
    context.addIssue({ code: 'custom', message, path: ['value'], input: value });
    return null;
  };
  if (operator === 'EXISTS') return value === undefined ? { value: undefined } : fail('EXISTS takes no value');
  if (value === undefined) return fail(missing);
  const parsed = schema.safeParse(value);
  if (parsed.success) return { value: parsed.data };
  for (const issue of parsed.error.issues)
    context.addIssue({
      code: 'custom',
      message: issue.message,
      path: ['value', ...issue.path],
      input: value,
      ...(issue.code === 'custom' && { params: issue.params }),
    });
  return null;
}

function fieldCondition(fields: FieldRegistry) {
  const names = Object.keys(fields);
  return objectOf(
    {
      field: z.custom<string>((name) => typeof name === 'string' && Object.hasOwn(fields, name), {
        error: (issue) => `${describe(issue.input)} is not a field; one of ${names.join(', ')}`,
      }),
      operator: anyOperator,
      value: z.unknown().optional(),
    },
    'must be an object with field, operator and (except for EXISTS) value',
  ).transform((condition, context) => {
    const { kind } = fields[condition.field];
    const allowed = OPERATORS_BY_KIND[kind];
    if (!allowed.includes(condition.operator)) {
      context.addIssue({
        code: 'custom',
        path: ['operator'],
        input: condition.operator,
        message: `${condition.operator} does not apply here; use one of ${allowed.join(', ')}`,
      });
      return z.NEVER;
    }
    const missing = `give a value to compare with (${condition.operator})`;
    const value = comparedValue(condition.operator, condition.value, fieldValueSchema(kind, condition.operator), missing, context);
    if (value === null) return z.NEVER;
    return { field: condition.field, operator: condition.operator, ...(value.value !== undefined && { value: value.value }) };
  });
}

/** Checks the value of an attribute or property condition, even when its name is wrong (every problem is reported). */
function checkJsonValue(condition: { operator: SegmentOperator; value?: unknown }, context: z.core.$RefinementCtx): void {
  if (!SEGMENT_OPERATORS.includes(condition.operator)) return;
  const missing = `give a value to compare with (${condition.operator}); EXISTS tests presence`;
  comparedValue(condition.operator, condition.value, jsonValueSchema(condition.operator), missing, context);
}

const attributeCondition = objectOf(
  { name: dotPath, operator: anyOperator, value: z.unknown().optional() },
  'must be an object with name, operator and (except for EXISTS) value',
)
  .superRefine(checkJsonValue, EVEN_IF_FIELDS_FAILED)
  .transform(({ name, operator, value }) => ({ name, operator, ...(value !== undefined && { value: jsonOf(value) }) }));

const propertyCondition = objectOf(
  { property: dotPath, operator: anyOperator, value: z.unknown().optional() },
  'must be an object with property, operator and (except for EXISTS) value',
)
  .superRefine(checkJsonValue, EVEN_IF_FIELDS_FAILED)
  .transform(({ property, operator, value }) => ({ property, operator, ...(value !== undefined && { value: jsonOf(value) }) }));

const behaviourCondition = objectOf(
  {
    types: nameList.optional(),
    channels: nameList.optional(),
    campaigns: nameList.optional(),
    properties: z
      .preprocess((value, context) => {
        if (!Array.isArray(value) || value.length > RULE_LIMITS.maxPropertyConditions)
          context.addIssue({
            code: 'custom',
            message: `must be a list of at most ${RULE_LIMITS.maxPropertyConditions} property conditions`,
            input: value,
          });
        return value;
      }, z.array(propertyCondition))
      .optional(),
    withinDays: z.unknown().optional(),
    from: instant.optional(),
    to: instant.optional(),
    aggregate: choice(BEHAVIOUR_AGGREGATES).default('COUNT'),
    operator: operatorOf(BEHAVIOUR_OPERATORS).default('GTE'),
    value: numberValue.default(1),
  },
  'must be an object',
)
  .superRefine(checkBehaviour, EVEN_IF_FIELDS_FAILED)
  .transform(({ withinDays, ...behaviour }): BehaviourCondition => ({
    ...behaviour,
    ...(typeof withinDays === 'number' && { withinDays }),
  }));

/**
 * `withinDays`, or `from` and/or `to`, or neither (all time); and a count is
 * a whole number. Runs whatever else is wrong, on the fields that parsed.
 */
function checkBehaviour(
  behaviour: { withinDays?: unknown; from?: string; to?: string; aggregate: string; value: number },
  context: z.core.$RefinementCtx,
): void {
  const failed = new Set(context.issues.map((issue) => issue.path?.[0]));
  const window = windowProblem(behaviour, failed);
  if (window !== null) {
    // Reported in field order: the window's fields come before aggregate, operator and value.
    const after = context.issues.findIndex((issue) => ['aggregate', 'operator', 'value'].includes(String(issue.path?.[0])));
    const issue = { code: 'custom' as const, path: [window.key], input: behaviour, message: window.message };
    context.issues.splice(after === -1 ? context.issues.length : after, 0, issue);
  }
  if (behaviour.aggregate === 'COUNT' && !failed.has('value') && (!Number.isInteger(behaviour.value) || behaviour.value < 0))
    context.addIssue({
      code: 'custom',
      path: ['value'],
      input: behaviour.value,
      message: `a count is a whole number of at least 0, got ${behaviour.value}`,
    });
}

function windowProblem(
  { withinDays, from, to }: { withinDays?: unknown; from?: string; to?: string },
  failed: ReadonlySet<unknown>,
): { key: string; message: string } | null {
  // The window is checked once its dates are.
  if (failed.has('from') || failed.has('to')) return null;
  if (withinDays !== undefined) {
    if (from !== undefined || to !== undefined) return { key: 'withinDays', message: 'give withinDays or from/to, not both' };
    if (typeof withinDays !== 'number' || !Number.isInteger(withinDays) || withinDays < 1 || withinDays > RULE_LIMITS.maxDays)
      return { key: 'withinDays', message: `must be between 1 and ${RULE_LIMITS.maxDays}, got ${describe(withinDays)}` };
    return null;
  }
  return from !== undefined && to !== undefined && from >= to ? { key: 'to', message: `must be after from (${from})` } : null;
}

const acquisitionCondition = objectOf(
  { touch: choice(ACQUISITION_TOUCHES).default('ACQUIRING'), channels: nameList.optional(), campaigns: nameList.optional() },
  'must be an object',
);

// ------------------------------------------------------------------ rules

const schemasByRegistry = new WeakMap<FieldRegistry, z.ZodType<SegmentRule>>();

/** The rule schema for `fields`, built once per registry. */
function ruleSchema(fields: FieldRegistry): z.ZodType<SegmentRule> {
  const built = schemasByRegistry.get(fields);
  if (built !== undefined) return built;
  const group = z
    .array(
      z.lazy(() => node),
      { error: 'must be a list of at least one rule' },
    )
    .min(1, 'must be a list of at least one rule');
  const node: z.ZodType<SegmentRule> = objectOf(
    {
      and: group.optional(),
      or: group.optional(),
      not: z.lazy(() => node).optional(),
      field: fieldCondition(fields).optional(),
      attribute: attributeCondition.optional(),
      behaviour: behaviourCondition.optional(),
      acquisition: acquisitionCondition.optional(),
    },
    `must be an object with exactly one of ${RULE_KINDS.join(', ')}`,
    RULE_KINDS,
  ).transform(toRule);
  schemasByRegistry.set(fields, node);
  return node;
}

/** The one kind a node was given (the schema saw to there being exactly one). */
function toRule(node: Partial<SegmentRuleParts>, context: z.core.$RefinementCtx): SegmentRule {
  if (node.and !== undefined) return { and: node.and };
  if (node.or !== undefined) return { or: node.or };
  if (node.not !== undefined) return { not: node.not };
  if (node.field !== undefined) return { field: node.field };
  if (node.attribute !== undefined) return { attribute: node.attribute };
  if (node.behaviour !== undefined) return { behaviour: node.behaviour };
  if (node.acquisition !== undefined) return { acquisition: node.acquisition };
  context.addIssue({ code: 'custom', input: node, message: `give exactly one of ${RULE_KINDS.join(', ')}; got none` });
  return z.NEVER;
}

/** Each kind of node, by its key. */
type SegmentRuleParts = {
  [R in SegmentRule as keyof R & string]: R[keyof R];
};

/** A value `checkJsonValue` accepted, as the JSON it is. */
function jsonOf(value: unknown): JsonValue {
  return isJson(value) ? value : null;
}

/** An own property, with GraphQL's null (an omitted optional input field) read as absent. */
function own(record: Record<string, unknown>, key: string): unknown {
  if (!Object.hasOwn(record, key)) return undefined;
  const value = record[key];
  return value === null ? undefined : value;
}
