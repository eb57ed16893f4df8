import type { AcquisitionTouch, BehaviourAggregate, SegmentField, SegmentOperator, SegmentRuleInput } from '../gql/graphql';
import { jsonListText, jsonValueText, parseJsonList, parseJsonText, parseTextList, textListText } from './json-text';

/*
 * The rule builder's editable tree and its conversion to and from the API's
 * SegmentRuleInput. Pure: no React, no I/O. Values are kept as the text the
 * user typed and converted only when the rule is sent, so a half-typed number
 * never loses a keystroke. Every node may be negated (`not`); groups combine
 * their children with and/or.
 *
 * Invariant: every rule the API accepts (and so every stored rule, which the
 * API returns normalised) survives `compileRule(parseRule(rule))` unchanged,
 * so opening and saving a segment never rewrites its rule. A rule that is not
 * a group is held in a *wrapper* group, which compiles to its only child.
 */

type NodeBase = { id: string; negated: boolean };

export type GroupNode = NodeBase & {
  kind: 'group';
  combinator: 'and' | 'or';
  children: RuleNode[];
  /** True for a group the builder made to hold a lone condition: with one child it compiles to that child. */
  wrapper: boolean;
};
export type FieldNode = NodeBase & { kind: 'field'; field: SegmentField; operator: SegmentOperator; value: string };
export type AttributeNode = NodeBase & { kind: 'attribute'; name: string; operator: SegmentOperator; value: string };
/** A touchpoint property filter of a behaviour condition: `rating ≥ 4`. */
export type PropertyFilter = { id: string; property: string; operator: SegmentOperator; value: string };
/** Which touchpoints a behaviour counts by time: all, the last N days, or between two instants. */
export type BehaviourWindow = 'all' | 'within' | 'between';
export type BehaviourNode = NodeBase & {
  kind: 'behaviour';
  /** Comma-separated touchpoint types; empty for any. */
  types: string;
  channels: string;
  campaigns: string;
  properties: PropertyFilter[];
  window: BehaviourWindow;
  withinDays: string;
  /** A UTC day (`2026-11-01`) or an ISO date-time; empty for open. */
  from: string;
  /** Touchpoints before this instant; empty for open. */
  to: string;
  aggregate: BehaviourAggregate;
  operator: SegmentOperator;
  value: string;
};
export type AcquisitionNode = NodeBase & { kind: 'acquisition'; touch: AcquisitionTouch; channels: string; campaigns: string };

export type RuleNode = GroupNode | FieldNode | AttributeNode | BehaviourNode | AcquisitionNode;
export type ConditionKind = Exclude<RuleNode['kind'], 'group'>;

export type FieldKind = 'text' | 'number' | 'time' | 'duration';

/** The customer fields the API's SegmentField offers, with the operators it accepts for each (README: the rule language). */
export const FIELDS: ReadonlyArray<{ field: SegmentField; label: string; kind: FieldKind }> = [
  { field: 'STAGE', label: 'Stage', kind: 'text' },
  { field: 'ORDERS', label: 'Orders', kind: 'number' },
  { field: 'REVENUE', label: 'Revenue', kind: 'number' },
  { field: 'NPS_SCORE', label: 'Latest NPS score (0–10)', kind: 'number' },
  { field: 'DAYS_IN_STAGE', label: 'Days in current stage', kind: 'duration' },
  { field: 'DAYS_SINCE_FIRST_SEEN', label: 'Days since first seen', kind: 'duration' },
  { field: 'DAYS_SINCE_LAST_SEEN', label: 'Days since last seen', kind: 'duration' },
  { field: 'FIRST_SEEN_AT', label: 'First seen at', kind: 'time' },
  { field: 'LAST_SEEN_AT', label: 'Last seen at', kind: 'time' },
];

export const OPERATOR_LABELS: Record<SegmentOperator, string> = {
  EQ: 'is',
  NEQ: 'is not',
  IN: 'is one of',
  CONTAINS: 'contains',
  EXISTS: 'is set',
  LT: '<',
  LTE: '≤',
  GT: '>',
  GTE: '≥',
};

const COMPARISONS: readonly SegmentOperator[] = ['LT', 'LTE', 'GT', 'GTE'];

const OPERATORS_BY_KIND: Record<FieldKind, readonly SegmentOperator[]> = {
  text: ['EQ', 'NEQ', 'IN', 'CONTAINS', 'EXISTS'],
  number: ['EQ', 'NEQ', 'IN', 'LT', 'LTE', 'GT', 'GTE', 'EXISTS'],
  time: ['LT', 'LTE', 'GT', 'GTE', 'EXISTS'],
  duration: ['LT', 'LTE', 'GT', 'GTE', 'EXISTS'],
};

/** What an attribute or a touchpoint property may be compared with. */
export const JSON_OPERATORS: readonly SegmentOperator[] = ['EQ', 'NEQ', 'IN', 'CONTAINS', 'EXISTS', 'LT', 'LTE', 'GT', 'GTE'];
export const BEHAVIOUR_OPERATORS: readonly SegmentOperator[] = ['GTE', 'GT', 'EQ', 'NEQ', 'LTE', 'LT'];

/** The largest window in days the API accepts (100 years). */
const MAX_DAYS = 36_500;

export function fieldKind(field: SegmentField): FieldKind {
  return FIELDS.find((option) => option.field === field)?.kind ?? 'text';
}

export function operatorsFor(field: SegmentField): readonly SegmentOperator[] {
  return OPERATORS_BY_KIND[fieldKind(field)];
}

let nextId = 0;
function newId(): string {
  nextId += 1;
  return `n${nextId}`;
}

export function newGroup(combinator: 'and' | 'or' = 'and', children: RuleNode[] = [], wrapper = false): GroupNode {
  return { id: newId(), negated: false, kind: 'group', combinator, children, wrapper };
}

/** The rule a new segment starts with: one condition, "orders ≥ 1". */
export function newRule(): GroupNode {
  return newGroup('and', [newCondition('field')], true);
}

export function newPropertyFilter(): PropertyFilter {
  return { id: newId(), property: '', operator: 'EQ', value: '' };
}

export function newCondition(kind: ConditionKind): RuleNode {
  const base = { id: newId(), negated: false };
  switch (kind) {
    case 'field':
      return { ...base, kind, field: 'ORDERS', operator: 'GTE', value: '1' };
    case 'attribute':
      return { ...base, kind, name: '', operator: 'EQ', value: '' };
    case 'behaviour':
      return {
        ...base,
        kind,
        types: 'purchase',
        channels: '',
        campaigns: '',
        properties: [],
        window: 'within',
        withinDays: '90',
        from: '',
        to: '',
        aggregate: 'COUNT',
        operator: 'GTE',
        value: '1',
      };
    case 'acquisition':
      return { ...base, kind, touch: 'ACQUIRING', channels: '', campaigns: '' };
  }
}

/** A copy of `root` with the node `id` replaced by `update(node)` (or removed when it returns null). */
export function updateNode(root: GroupNode, id: string, update: (node: RuleNode) => RuleNode | null): GroupNode {
  const visit = (node: RuleNode): RuleNode | null => {
    if (node.id === id) return update(node);
    if (node.kind !== 'group') return node;
    return { ...node, children: node.children.map(visit).filter((child): child is RuleNode => child !== null) };
  };
  const result = visit(root);
  return result && result.kind === 'group' ? result : root;
}

/** A problem the builder finds before asking the API, attached to a node. */
export type NodeProblem = { nodeId: string; message: string };

export type CompiledRule = {
  /** Null when the tree has nothing to send (an empty rule). */
  rule: SegmentRuleInput | null;
  problems: NodeProblem[];
  /** Each node's path inside the rule, as the API names it in issues (`and[1].field`). */
  paths: Map<string, string>;
};

/**
 * The API's rule for the tree. An empty group is dropped; a wrapper group of
 * one is sent as its child (same meaning); values are converted by field kind.
 */
export function compileRule(root: GroupNode): CompiledRule {
  const problems: NodeProblem[] = [];
  const paths = new Map<string, string>();
  const problem = (node: { id: string }, message: string) => problems.push({ nodeId: node.id, message });

  const compile = (node: RuleNode, path: string): SegmentRuleInput | null => {
    if (node.negated) {
      const inner = compileBare(node, path === '' ? 'not' : `${path}.not`);
      paths.set(node.id, path === '' ? 'not' : `${path}.not`);
      return inner ? { not: inner } : null;
    }
    paths.set(node.id, path);
    return compileBare(node, path);
  };

  const compileBare = (node: RuleNode, path: string): SegmentRuleInput | null => {
    const at = (suffix: string) => (path === '' ? suffix : `${path}.${suffix}`);
    switch (node.kind) {
      case 'group': {
        const nonEmpty = node.children.filter((child) => child.kind !== 'group' || hasCondition(child));
        if (nonEmpty.length === 0) return null;
        if (nonEmpty.length === 1 && node.wrapper) return compile(nonEmpty[0], path);
        const compiled = nonEmpty.map((child, index) => compile(child, at(`${node.combinator}[${index}]`)));
        const rules = compiled.filter((rule): rule is SegmentRuleInput => rule !== null);
        return node.combinator === 'and' ? { and: rules } : { or: rules };
      }
      case 'field':
        return { field: { field: node.field, operator: node.operator, ...fieldValue(node, problem) } };
      case 'attribute': {
        if (node.name.trim() === '') problem(node, 'Name the attribute (e.g. plan or address.country).');
        return { attribute: { name: node.name.trim(), operator: node.operator, ...jsonValue(node, problem) } };
      }
      case 'behaviour':
        return { behaviour: behaviourInput(node, problem) };
      case 'acquisition':
        return { acquisition: { touch: node.touch, ...namedLists(node) } };
    }
  };

  return { rule: compile(root, ''), problems, paths };
}

type Report = (node: { id: string }, message: string) => void;

function hasCondition(group: GroupNode): boolean {
  return group.children.some((child) => child.kind !== 'group' || hasCondition(child));
}

/** The channels and campaigns (and types, for a behaviour) that were given. */
function namedLists(node: { channels: string; campaigns: string; types?: string }): {
  types?: string[];
  channels?: string[];
  campaigns?: string[];
} {
  const lists: { types?: string[]; channels?: string[]; campaigns?: string[] } = {};
  for (const key of ['types', 'channels', 'campaigns'] as const) {
    const items = parseTextList(node[key] ?? '');
    if (items.length > 0) lists[key] = items;
  }
  return lists;
}

function behaviourInput(node: BehaviourNode, problem: Report): NonNullable<SegmentRuleInput['behaviour']> {
  const value = Number(node.value);
  if (node.value.trim() === '' || !Number.isFinite(value)) problem(node, 'The amount must be a number.');
  const properties = node.properties.map((filter) => {
    if (filter.property.trim() === '') problem(node, 'Name the touchpoint property (e.g. rating or survey.score).');
    return { property: filter.property.trim(), operator: filter.operator, ...jsonValue({ ...filter, id: node.id }, problem) };
  });
  return {
    ...namedLists(node),
    ...(properties.length > 0 ? { properties } : {}),
    ...behaviourWindow(node, problem),
    aggregate: node.aggregate,
    operator: node.operator,
    value,
  };
}

function behaviourWindow(node: BehaviourNode, problem: Report): { withinDays?: number; from?: string; to?: string } {
  if (node.window === 'within') {
    const days = Number(node.withinDays.trim());
    if (node.withinDays.trim() === '' || !Number.isInteger(days) || days < 1 || days > MAX_DAYS)
      problem(node, `The window must be a whole number of days from 1 to ${MAX_DAYS}.`);
    return { withinDays: days };
  }
  if (node.window === 'between') {
    const from = instant(node.from, node, problem);
    const to = instant(node.to, node, problem);
    if (from === undefined && to === undefined) problem(node, 'Give a first day, a day to stop before, or both.');
    return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
  }
  return {};
}

/** A UTC day or an ISO date-time as the instant the API takes; undefined when blank. */
function instant(text: string, node: { id: string }, problem: Report): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const date = new Date(trimmed);
  if (Number.isNaN(date.getTime())) {
    problem(node, `"${trimmed}" is not a date: write 2026-11-01 or 2026-11-01T09:30:00Z.`);
    return trimmed;
  }
  return date.toISOString();
}

/** An instant as the builder shows it: the UTC day when it is midnight UTC, else the ISO date-time. */
function instantText(value: unknown): string {
  if (typeof value !== 'string') return '';
  return value.endsWith('T00:00:00.000Z') ? value.slice(0, 10) : value;
}

/** The value of an attribute or property condition: any JSON, a number for comparisons, a list for IN, none for EXISTS. */
function jsonValue(node: { id: string; operator: SegmentOperator; value: string }, problem: Report): { value?: unknown } {
  if (node.operator === 'EXISTS') return {};
  if (node.operator === 'IN') {
    const items = parseJsonList(node.value);
    if (items.length === 0) problem(node, 'Give at least one value (a, b, c).');
    return { value: items };
  }
  const value = parseJsonText(node.value);
  if (value === null) problem(node, 'Give a value (write "" for empty text).');
  else if (COMPARISONS.includes(node.operator) && typeof value !== 'number')
    problem(node, `"${node.value.trim()}" is not a number; ${OPERATOR_LABELS[node.operator]} compares numbers.`);
  return { value };
}

function fieldValue(node: FieldNode, problem: Report): { value?: unknown } {
  if (node.operator === 'EXISTS') return {};
  const kind = fieldKind(node.field);
  if (kind === 'text') {
    const items = node.operator === 'IN' ? parseTextList(node.value) : [node.value];
    if (items.length === 0 || items.includes('')) problem(node, 'Give a value.');
    return { value: node.operator === 'IN' ? items : node.value };
  }
  const items = node.operator === 'IN' ? parseTextList(node.value) : [node.value.trim()];
  const converted = items.map((item) => {
    if (item === '') {
      problem(node, 'Give a value.');
      return item;
    }
    if (kind === 'time') {
      const date = new Date(item);
      if (!Number.isNaN(date.getTime())) return date.toISOString();
      problem(node, `"${item}" is not a date.`);
      return item;
    }
    const number = Number(item);
    if (!Number.isFinite(number)) problem(node, `"${item}" is not a number.`);
    return number;
  });
  if (items.length === 0) problem(node, 'Give a value.');
  return { value: node.operator === 'IN' ? converted : converted[0] };
}

/** The editable tree for a rule the API sent back (`Segment.rule`), always rooted in a group. */
export function parseRule(rule: unknown): GroupNode {
  const node = parseNode(rule);
  if (node === null) return newGroup('and', [], true);
  return node.kind === 'group' && !node.negated ? node : newGroup('and', [node], true);
}

function parseNode(value: unknown): RuleNode | null {
  if (!isObject(value)) return null;
  if (isObject(value.not)) {
    const inner = parseNode(value.not);
    if (inner === null) return null;
    return inner.negated ? { ...newGroup('and', [inner], true), negated: true } : { ...inner, negated: true };
  }
  if (Array.isArray(value.and) || Array.isArray(value.or)) {
    const children: unknown[] = Array.isArray(value.and) ? value.and : Array.isArray(value.or) ? value.or : [];
    return newGroup(
      Array.isArray(value.and) ? 'and' : 'or',
      children.map(parseNode).filter((child): child is RuleNode => child !== null),
    );
  }
  const base = { id: newId(), negated: false };
  if (isObject(value.field)) {
    const condition = value.field;
    const field = FIELDS.find((option) => option.field === condition.field)?.field ?? 'ORDERS';
    const operator = operatorOf(condition.operator, 'GTE');
    const raw = condition.value;
    const text = Array.isArray(raw)
      ? fieldKind(field) === 'text'
        ? textListText(raw.map(String))
        : raw.map(String).join(', ')
      : raw === null || raw === undefined
        ? ''
        : String(raw);
    return { ...base, kind: 'field', field, operator, value: text };
  }
  if (isObject(value.attribute)) {
    const { name, operator } = value.attribute;
    const attributeOperator = operatorOf(operator, 'EQ');
    return {
      ...base,
      kind: 'attribute',
      name: typeof name === 'string' ? name : '',
      operator: attributeOperator,
      value: jsonText(attributeOperator, value.attribute.value),
    };
  }
  if (isObject(value.behaviour)) {
    const behaviour = value.behaviour;
    const window: BehaviourWindow =
      typeof behaviour.withinDays === 'number' ? 'within' : behaviour.from || behaviour.to ? 'between' : 'all';
    return {
      ...base,
      kind: 'behaviour',
      types: textList(behaviour.types),
      channels: textList(behaviour.channels),
      campaigns: textList(behaviour.campaigns),
      properties: Array.isArray(behaviour.properties) ? behaviour.properties.filter(isObject).map(parsePropertyFilter) : [],
      window,
      withinDays: typeof behaviour.withinDays === 'number' ? String(behaviour.withinDays) : '',
      from: instantText(behaviour.from),
      to: instantText(behaviour.to),
      aggregate: behaviour.aggregate === 'SUM' ? 'SUM' : 'COUNT',
      operator: operatorOf(behaviour.operator, 'GTE'),
      value: typeof behaviour.value === 'number' ? String(behaviour.value) : '1',
    };
  }
  if (isObject(value.acquisition)) {
    const { touch, channels, campaigns } = value.acquisition;
    return {
      ...base,
      kind: 'acquisition',
      touch: touch === 'FIRST' ? 'FIRST' : 'ACQUIRING',
      channels: textList(channels),
      campaigns: textList(campaigns),
    };
  }
  return null;
}

function parsePropertyFilter(condition: Record<string, unknown>): PropertyFilter {
  const operator = operatorOf(condition.operator, 'EQ');
  return {
    id: newId(),
    property: typeof condition.property === 'string' ? condition.property : '',
    operator,
    value: jsonText(operator, condition.value),
  };
}

function operatorOf(value: unknown, fallback: SegmentOperator): SegmentOperator {
  return JSON_OPERATORS.find((operator) => operator === value) ?? fallback;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function textList(value: unknown): string {
  return Array.isArray(value) ? textListText(value.map(String)) : '';
}

/** An attribute or property value as the text `jsonValue` reads back the same way. */
function jsonText(operator: SegmentOperator, value: unknown): string {
  if (operator === 'IN' && Array.isArray(value)) return jsonListText(value);
  return jsonValueText(value);
}

/**
 * Which node an API issue is about: the node with the longest path that the
 * issue's path starts with (`input.rule.` or `rule.` prefixes removed).
 */
export function nodeForIssue(issuePath: string, paths: ReadonlyMap<string, string>): string | null {
  const path = issuePath.replace(/^(input\.)?rule\.?/, '');
  let best: { id: string; length: number } | null = null;
  for (const [id, nodePath] of paths) {
    const matches = nodePath === '' || path === nodePath || path.startsWith(`${nodePath}.`) || path.startsWith(`${nodePath}[`);
    if (matches && (best === null || nodePath.length >= best.length)) best = { id, length: nodePath.length };
  }
  return best?.id ?? null;
}
