import type { JsonValue } from '@clm/schema';
import { parseIsoDateTime } from '../../core/dates';
import { findUnstorableText, jsonBytes, MAX_JSON_BYTES, MAX_JSON_DEPTH, MAX_TEXT, nestsDeeperThan, textProblem } from '../../core/ids';
import { SEGMENT_FIELDS } from './segment-fields';
import type { FieldKind, FieldRegistry } from './segment-fields';
import { ACQUISITION_TOUCHES, BEHAVIOUR_AGGREGATES, RULE_KINDS, SEGMENT_OPERATORS } from './segment-rule';
import type {
  AcquisitionCondition,
  AcquisitionTouch,
  BehaviourAggregate,
  BehaviourCondition,
  PropertyCondition,
  SegmentOperator,
  SegmentRule,
} from './segment-rule';

/*
 * Validation of a segment rule before it is compiled or stored. Pure: it
 * takes anything (a GraphQL input, a stored JSON value, hostile data) and
 * returns either the rule, normalised (defaults filled in, dates as ISO
 * text, no nulls), or every problem it found, each with its path in the tree
 * (`rule.and[2].behaviour.withinDays`) and a sentence naming the value.
 *
 * Invariants:
 * - it never throws and never recurses deeper than `RULE_LIMITS.maxDepth`
 *   (the shape is measured iteratively first), so any input is safe;
 * - a rule it accepts has at most `maxNodes` nodes, only known fields and
 *   operators, and only text PostgreSQL can store.
 */

export const RULE_LIMITS = {
  /** Levels of nesting, the root being level 1. */
  maxDepth: 16,
  /** Nodes (groups and conditions) in one rule. */
  maxNodes: 200,
  /** Items in one list (IN values, types, channels, campaigns). */
  maxListItems: 1000,
  /** Property conditions in one behaviour condition. */
  maxPropertyConditions: 20,
  /** Days in a window or a duration (100 years). */
  maxDays: 36_500,
  /** Bytes of the whole rule as JSON. */
  maxRuleBytes: 65_536,
} as const;

/** One problem in a rule: where it is and what is wrong. */
export type RuleIssue = { path: string; message: string };

export type RuleValidation = { rule: SegmentRule; issues: [] } | { rule: null; issues: RuleIssue[] };

const COMPARISONS: readonly SegmentOperator[] = ['LT', 'LTE', 'GT', 'GTE'];
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
  const issues: RuleIssue[] = [];
  const rule = new RuleReader(issues, fields).node(input, path);
  if (rule !== null && issues.length === 0) {
    const bytes = jsonBytes(rule);
    if (bytes > RULE_LIMITS.maxRuleBytes)
      issues.push({ path, message: `the rule is ${bytes} bytes of JSON; at most ${RULE_LIMITS.maxRuleBytes}` });
  }
  return rule !== null && issues.length === 0 ? { rule, issues: [] } : { rule: null, issues };
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

/** Reads one rule (depth already bounded), recording problems in `issues`. */
class RuleReader {
  constructor(
    private readonly issues: RuleIssue[],
    private readonly fields: FieldRegistry,
  ) {}

  node(input: unknown, path: string): SegmentRule | null {
    if (!isRecord(input)) return this.fail(path, `must be an object with exactly one of ${RULE_KINDS.join(', ')}`);
    this.unknownKeys(input, path, RULE_KINDS);
    const given = RULE_KINDS.filter((kind) => own(input, kind) !== undefined);
    if (given.length !== 1) {
      const got = given.length === 0 ? 'none' : given.join(', ');
      return this.fail(path, `give exactly one of ${RULE_KINDS.join(', ')}; got ${got}`);
    }
    const kind = given[0];
    const value = own(input, kind);
    const where = `${path}.${kind}`;
    switch (kind) {
      case 'and':
      case 'or': {
        if (!Array.isArray(value) || value.length === 0) return this.fail(where, 'must be a list of at least one rule');
        const children = value.map((child, index) => this.node(child, `${where}[${index}]`));
        if (!children.every((child): child is SegmentRule => child !== null)) return null;
        return kind === 'and' ? { and: children } : { or: children };
      }
      case 'not': {
        const child = this.node(value, where);
        return child === null ? null : { not: child };
      }
      case 'field':
        return this.wrap(this.fieldCondition(value, where), (field) => ({ field }));
      case 'attribute':
        return this.wrap(this.jsonCondition(value, where, 'name'), ({ name, operator, value }) => ({
          attribute: { name, operator, ...(value !== undefined && { value }) },
        }));
      case 'behaviour':
        return this.wrap(this.behaviour(value, where), (behaviour) => ({ behaviour }));
      case 'acquisition':
        return this.wrap(this.acquisition(value, where), (acquisition) => ({ acquisition }));
    }
  }

  private fieldCondition(input: unknown, path: string) {
    if (!isRecord(input)) return this.fail(path, 'must be an object with field, operator and (except for EXISTS) value');
    this.unknownKeys(input, path, ['field', 'operator', 'value']);
    const name = own(input, 'field');
    const definition = typeof name === 'string' && Object.hasOwn(this.fields, name) ? this.fields[name] : undefined;
    if (definition === undefined)
      this.issue(`${path}.field`, `${describe(name)} is not a field; one of ${Object.keys(this.fields).join(', ')}`);
    const operator = this.operator(own(input, 'operator'), `${path}.operator`, definition ? OPERATORS_BY_KIND[definition.kind] : null);
    if (definition === undefined || operator === null || typeof name !== 'string') return null;
    const value = this.fieldValue(definition.kind, operator, own(input, 'value'), `${path}.value`);
    if (value === null) return null;
    return { field: name, operator, ...(value.value !== undefined && { value: value.value }) };
  }

  /** The value a field of `kind` is compared with; `{ value: undefined }` for EXISTS. */
  private fieldValue(kind: FieldKind, operator: SegmentOperator, value: unknown, path: string): { value: JsonValue | undefined } | null {
    if (operator === 'EXISTS') return value === undefined ? { value: undefined } : this.fail(path, 'EXISTS takes no value');
    if (value === undefined) return this.fail(path, `give a value to compare with (${operator})`);
    if (operator === 'IN') {
      const items = this.list(value, path, (item, where) => this.scalar(kind === 'text' ? 'text' : 'number', item, where));
      return items === null ? null : { value: items };
    }
    if (kind === 'time') {
      const text = value instanceof Date ? value.toISOString() : value;
      const date = typeof text === 'string' ? parseIsoDateTime(text) : null;
      if (date === null)
        return this.fail(path, `${describe(value)} is not an ISO 8601 date-time with a time zone, like 2026-03-01T12:00:00Z`);
      return { value: date.toISOString() };
    }
    if (kind === 'duration') {
      const days = this.number(value, path);
      if (days === null) return null;
      if (days < 0 || days > RULE_LIMITS.maxDays) return this.fail(path, `must be between 0 and ${RULE_LIMITS.maxDays} days, got ${days}`);
      return { value: days };
    }
    const scalar = this.scalar(kind, value, path);
    return scalar === null ? null : { value: scalar };
  }

  private scalar(kind: 'text' | 'number', value: unknown, path: string): string | number | null {
    return kind === 'text' ? this.text(value, path, { allowEmpty: true }) : this.number(value, path);
  }

  /** An attribute or property condition: a dot path, an operator and a JSON value. */
  private jsonCondition<K extends 'name' | 'property'>(input: unknown, path: string, key: K) {
    if (!isRecord(input)) return this.fail(path, `must be an object with ${key}, operator and (except for EXISTS) value`);
    this.unknownKeys(input, path, [key, 'operator', 'value']);
    const name = this.dotPath(own(input, key), `${path}.${key}`);
    const operator = this.operator(own(input, 'operator'), `${path}.operator`, SEGMENT_OPERATORS);
    const value = operator === null ? null : this.jsonValue(operator, own(input, 'value'), `${path}.value`);
    if (name === null || operator === null || value === null) return null;
    return { name, operator, value: value.value };
  }

  private jsonValue(operator: SegmentOperator, value: unknown, path: string): { value: JsonValue | undefined } | null {
    if (operator === 'EXISTS') return value === undefined ? { value: undefined } : this.fail(path, 'EXISTS takes no value');
    if (value === undefined) return this.fail(path, `give a value to compare with (${operator}); EXISTS tests presence`);
    if (COMPARISONS.includes(operator)) {
      const number = this.number(value, path);
      return number === null ? null : { value: number };
    }
    if (operator === 'IN') {
      const items = this.list(value, path, (item, where) => this.json(item, where));
      return items === null ? null : { value: items };
    }
    const json = this.json(value, path);
    return json === null ? null : { value: json };
  }

  private json(value: unknown, path: string): JsonValue | null {
    if (value === null || value === undefined) return this.fail(path, 'must not be null');
    if (nestsDeeperThan(value, MAX_JSON_DEPTH)) return this.fail(path, `must not nest deeper than ${MAX_JSON_DEPTH} levels`);
    if (jsonBytes(value) > MAX_JSON_BYTES) return this.fail(path, `must be at most ${MAX_JSON_BYTES} bytes of JSON`);
    if (!isJson(value)) return this.fail(path, 'must be a JSON value');
    const unstorable = findUnstorableText(value, path);
    if (unstorable !== null) return this.fail(unstorable.field, unstorable.message);
    return value;
  }

  private behaviour(input: unknown, path: string): BehaviourCondition | null {
    if (!isRecord(input)) return this.fail(path, 'must be an object');
    const keys = ['types', 'channels', 'campaigns', 'properties', 'withinDays', 'from', 'to', 'aggregate', 'operator', 'value'] as const;
    this.unknownKeys(input, path, keys);
    const before = this.issues.length;
    const names = (key: 'types' | 'channels' | 'campaigns') => {
      const value = own(input, key);
      return value === undefined
        ? undefined
        : this.list(value, `${path}.${key}`, (item, where) => this.text(item, where, { allowEmpty: false }));
    };
    const types = names('types');
    const channels = names('channels');
    const campaigns = names('campaigns');
    const properties = this.propertyConditions(own(input, 'properties'), `${path}.properties`);
    const window = this.window(input, path);
    const aggregate = this.choice<BehaviourAggregate>(own(input, 'aggregate') ?? 'COUNT', `${path}.aggregate`, BEHAVIOUR_AGGREGATES);
    const operator = this.operator(own(input, 'operator') ?? 'GTE', `${path}.operator`, BEHAVIOUR_OPERATORS);
    const value = this.number(own(input, 'value') ?? 1, `${path}.value`);
    if (aggregate === 'COUNT' && value !== null && (!Number.isInteger(value) || value < 0))
      this.issue(`${path}.value`, `a count is a whole number of at least 0, got ${value}`);
    if (this.issues.length > before || aggregate === null || operator === null || value === null || window === null) return null;
    return {
      ...(types && { types }),
      ...(channels && { channels }),
      ...(campaigns && { campaigns }),
      ...(properties && { properties }),
      ...window,
      aggregate,
      operator,
      value,
    };
  }

  private propertyConditions(input: unknown, path: string): PropertyCondition[] | undefined {
    if (input === undefined) return undefined;
    if (!Array.isArray(input) || input.length > RULE_LIMITS.maxPropertyConditions) {
      this.issue(path, `must be a list of at most ${RULE_LIMITS.maxPropertyConditions} property conditions`);
      return undefined;
    }
    const conditions = input.map((condition, index) => this.jsonCondition(condition, `${path}[${index}]`, 'property'));
    return conditions.flatMap((condition) =>
      condition === null
        ? []
        : [{ property: condition.name, operator: condition.operator, ...(condition.value !== undefined && { value: condition.value }) }],
    );
  }

  /** `withinDays`, or `from` and/or `to`, or neither (all time). */
  private window(input: Record<string, unknown>, path: string): Pick<BehaviourCondition, 'withinDays' | 'from' | 'to'> | null {
    const withinDays = own(input, 'withinDays');
    const from = this.instant(own(input, 'from'), `${path}.from`);
    const to = this.instant(own(input, 'to'), `${path}.to`);
    if (from === null || to === null) return null;
    if (withinDays !== undefined) {
      if (from !== undefined || to !== undefined) return this.fail(`${path}.withinDays`, 'give withinDays or from/to, not both');
      if (typeof withinDays !== 'number' || !Number.isInteger(withinDays) || withinDays < 1 || withinDays > RULE_LIMITS.maxDays)
        return this.fail(`${path}.withinDays`, `must be between 1 and ${RULE_LIMITS.maxDays}, got ${describe(withinDays)}`);
      return { withinDays };
    }
    if (from !== undefined && to !== undefined && from >= to) return this.fail(`${path}.to`, `must be after from (${from})`);
    return { ...(from !== undefined && { from }), ...(to !== undefined && { to }) };
  }

  private acquisition(input: unknown, path: string): AcquisitionCondition | null {
    if (!isRecord(input)) return this.fail(path, 'must be an object');
    this.unknownKeys(input, path, ['touch', 'channels', 'campaigns']);
    const touch = this.choice<AcquisitionTouch>(own(input, 'touch') ?? 'ACQUIRING', `${path}.touch`, ACQUISITION_TOUCHES);
    const list = (key: 'channels' | 'campaigns') => {
      const value = own(input, key);
      return value === undefined
        ? undefined
        : this.list(value, `${path}.${key}`, (item, where) => this.text(item, where, { allowEmpty: false }));
    };
    const channels = list('channels');
    const campaigns = list('campaigns');
    if (touch === null || channels === null || campaigns === null) return null;
    return { touch, ...(channels && { channels }), ...(campaigns && { campaigns }) };
  }

  // ---------------------------------------------------------------- values

  private operator(value: unknown, path: string, allowed: readonly SegmentOperator[] | null): SegmentOperator | null {
    const operator = this.choice<SegmentOperator>(value, path, SEGMENT_OPERATORS);
    if (operator === null || allowed === null) return null;
    if (!allowed.includes(operator)) return this.fail(path, `${operator} does not apply here; use one of ${allowed.join(', ')}`);
    return operator;
  }

  private choice<T extends string>(value: unknown, path: string, options: readonly T[]): T | null {
    const found = options.find((option) => option === value);
    return found ?? this.fail(path, `${describe(value)} is not one of ${options.join(', ')}`);
  }

  private list<T>(value: unknown, path: string, item: (value: unknown, path: string) => T | null): T[] | null {
    if (!Array.isArray(value) || value.length === 0 || value.length > RULE_LIMITS.maxListItems)
      return this.fail(path, `must be a list of 1 to ${RULE_LIMITS.maxListItems} items`);
    const items = value.map((entry, index) => item(entry, `${path}[${index}]`));
    return items.every((entry): entry is T => entry !== null) ? items : null;
  }

  private text(value: unknown, path: string, options: { allowEmpty: boolean }): string | null {
    if (typeof value !== 'string') return this.fail(path, `must be text, got ${describe(value)}`);
    if (!options.allowEmpty && value.trim() === '') return this.fail(path, 'must not be empty');
    if (value.length > MAX_TEXT) return this.fail(path, `must be at most ${MAX_TEXT} characters`);
    const problem = textProblem(value);
    return problem === null ? value : this.fail(path, problem);
  }

  private number(value: unknown, path: string): number | null {
    if (typeof value !== 'number' || !Number.isFinite(value)) return this.fail(path, `must be a number, got ${describe(value)}`);
    return value;
  }

  /** An instant given as a Date (the DateTime scalar) or ISO text (a stored rule); undefined when absent. */
  private instant(value: unknown, path: string): string | undefined | null {
    if (value === undefined) return undefined;
    const date = value instanceof Date ? value : typeof value === 'string' ? parseIsoDateTime(value) : null;
    if (date === null || Number.isNaN(date.getTime()))
      return this.fail(path, `${describe(value)} is not an ISO 8601 date-time with a time zone, like 2026-03-01T12:00:00Z`);
    return date.toISOString();
  }

  /** A property or attribute name: dot-separated non-empty parts. */
  private dotPath(value: unknown, path: string): string | null {
    const text = this.text(value, path, { allowEmpty: false });
    if (text === null) return null;
    if (text.split('.').some((part) => part === ''))
      return this.fail(path, `"${text}" has an empty part; write names like plan or address.country`);
    return text;
  }

  private unknownKeys(input: Record<string, unknown>, path: string, known: readonly string[]): void {
    for (const key of Object.keys(input)) {
      if (!known.includes(key) && input[key] !== undefined && input[key] !== null)
        this.issue(`${path}.${key}`, `is not part of this condition; expected ${known.join(', ')}`);
    }
  }

  private wrap<T>(value: T | null, make: (value: T) => SegmentRule): SegmentRule | null {
    return value === null ? null : make(value);
  }

  private issue(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  private fail(path: string, message: string): null {
    this.issue(path, message);
    return null;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** An own property, with GraphQL's null (an omitted optional input field) read as absent. */
function own(record: Record<string, unknown>, key: string): unknown {
  if (!Object.hasOwn(record, key)) return undefined;
  const value = record[key];
  return value === null ? undefined : value;
}

/** Whether `value` is made only of JSON (finite numbers, no undefined, dates or functions). Iterative. */
function isJson(value: unknown): value is JsonValue {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (next === null || typeof next === 'string' || typeof next === 'boolean') continue;
    if (typeof next === 'number' && Number.isFinite(next)) continue;
    if (Array.isArray(next)) for (const item of next) pending.push(item);
    else if (isRecord(next)) for (const item of Object.values(next)) pending.push(item);
    else return false;
  }
  return true;
}

/** A short description of a value for a message. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return Array.isArray(value) ? 'a list' : 'an object';
}
