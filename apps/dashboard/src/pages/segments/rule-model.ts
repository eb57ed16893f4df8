import type { AcquisitionTouch, BehaviourAggregate, SegmentField, SegmentOperator, SegmentRuleInput } from '../../gql/graphql';

/*
 * The rule builder's editable tree and its conversion to and from the API's
 * SegmentRuleInput. Pure: no React, no I/O. Values are kept as the text the
 * user typed and converted only when the rule is sent, so a half-typed number
 * never loses a keystroke. Every node may be negated (`not`); groups combine
 * their children with and/or.
 */

type NodeBase = { id: string; negated: boolean };

export type GroupNode = NodeBase & { kind: 'group'; combinator: 'and' | 'or'; children: RuleNode[] };
export type FieldNode = NodeBase & { kind: 'field'; field: SegmentField; operator: SegmentOperator; value: string };
export type AttributeNode = NodeBase & { kind: 'attribute'; name: string; operator: SegmentOperator; value: string };
export type BehaviourNode = NodeBase & {
  kind: 'behaviour';
  /** Comma-separated touchpoint types; empty for any. */
  types: string;
  channels: string;
  campaigns: string;
  withinDays: string;
  aggregate: BehaviourAggregate;
  operator: SegmentOperator;
  value: string;
  /** Parts of a saved rule the builder does not edit (properties, from/to), sent back unchanged. */
  kept: Record<string, unknown>;
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

const OPERATORS_BY_KIND: Record<FieldKind, readonly SegmentOperator[]> = {
  text: ['EQ', 'NEQ', 'IN', 'CONTAINS', 'EXISTS'],
  number: ['EQ', 'NEQ', 'IN', 'LT', 'LTE', 'GT', 'GTE', 'EXISTS'],
  time: ['LT', 'LTE', 'GT', 'GTE', 'EXISTS'],
  duration: ['LT', 'LTE', 'GT', 'GTE', 'EXISTS'],
};

export const ATTRIBUTE_OPERATORS: readonly SegmentOperator[] = ['EQ', 'NEQ', 'IN', 'CONTAINS', 'EXISTS', 'LT', 'LTE', 'GT', 'GTE'];
export const BEHAVIOUR_OPERATORS: readonly SegmentOperator[] = ['GTE', 'GT', 'EQ', 'NEQ', 'LTE', 'LT'];

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

export function newGroup(combinator: 'and' | 'or' = 'and', children: RuleNode[] = []): GroupNode {
  return { id: newId(), negated: false, kind: 'group', combinator, children };
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
        withinDays: '90',
        aggregate: 'COUNT',
        operator: 'GTE',
        value: '1',
        kept: {},
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

function list(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** JSON when it reads as JSON, else the text itself (attribute values: `5`, `true`, `"5"`, `pro`). */
function loose(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
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
 * The API's rule for the tree. An empty group is dropped; a group of one is
 * sent as its child (same meaning); values are converted by field kind.
 */
export function compileRule(root: GroupNode): CompiledRule {
  const problems: NodeProblem[] = [];
  const paths = new Map<string, string>();

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
        if (nonEmpty.length === 1) return compile(nonEmpty[0], path);
        const compiled = nonEmpty.map((child, index) => compile(child, at(`${node.combinator}[${index}]`)));
        const rules = compiled.filter((rule): rule is SegmentRuleInput => rule !== null);
        return node.combinator === 'and' ? { and: rules } : { or: rules };
      }
      case 'field': {
        const value = fieldValue(node, problems);
        return { field: { field: node.field, operator: node.operator, ...(node.operator === 'EXISTS' ? {} : { value }) } };
      }
      case 'attribute': {
        if (node.name.trim() === '') problems.push({ nodeId: node.id, message: 'Name the attribute (e.g. plan or address.country).' });
        const value = node.operator === 'IN' ? list(node.value).map(loose) : loose(node.value.trim());
        return {
          attribute: { name: node.name.trim(), operator: node.operator, ...(node.operator === 'EXISTS' ? {} : { value }) },
        };
      }
      case 'behaviour': {
        const value = Number(node.value);
        if (node.value.trim() === '' || !Number.isFinite(value))
          problems.push({ nodeId: node.id, message: 'The amount must be a number.' });
        const days = node.withinDays.trim();
        const within = Number(days);
        if (days !== '' && (!Number.isInteger(within) || within < 1 || within > 36500))
          problems.push({ nodeId: node.id, message: 'The window must be a whole number of days from 1 to 36500, or empty for all time.' });
        return {
          behaviour: {
            ...node.kept,
            ...(list(node.types).length ? { types: list(node.types) } : {}),
            ...(list(node.channels).length ? { channels: list(node.channels) } : {}),
            ...(list(node.campaigns).length ? { campaigns: list(node.campaigns) } : {}),
            ...(days !== '' ? { withinDays: within } : {}),
            aggregate: node.aggregate,
            operator: node.operator,
            value,
          },
        };
      }
      case 'acquisition':
        return {
          acquisition: {
            touch: node.touch,
            ...(list(node.channels).length ? { channels: list(node.channels) } : {}),
            ...(list(node.campaigns).length ? { campaigns: list(node.campaigns) } : {}),
          },
        };
    }
  };

  return { rule: compile(root, ''), problems, paths };
}

function hasCondition(group: GroupNode): boolean {
  return group.children.some((child) => child.kind !== 'group' || hasCondition(child));
}

function fieldValue(node: FieldNode, problems: NodeProblem[]): unknown {
  if (node.operator === 'EXISTS') return undefined;
  const kind = fieldKind(node.field);
  const items = node.operator === 'IN' ? list(node.value) : [node.value.trim()];
  const converted = items.map((item) => {
    if (item === '') {
      problems.push({ nodeId: node.id, message: 'Give a value.' });
      return item;
    }
    if (kind === 'number' || kind === 'duration') {
      const number = Number(item);
      if (!Number.isFinite(number)) problems.push({ nodeId: node.id, message: `"${item}" is not a number.` });
      return number;
    }
    if (kind === 'time') {
      const date = new Date(item);
      if (Number.isNaN(date.getTime())) {
        problems.push({ nodeId: node.id, message: `"${item}" is not a date.` });
        return item;
      }
      return date.toISOString();
    }
    return item;
  });
  return node.operator === 'IN' ? converted : converted[0];
}

/** The editable tree for a rule the API sent back (`Segment.rule`), always rooted in a group. */
export function parseRule(rule: unknown): GroupNode {
  const node = parseNode(rule);
  if (node === null) return newGroup();
  return node.kind === 'group' && !node.negated ? node : newGroup('and', [node]);
}

function parseNode(value: unknown): RuleNode | null {
  if (!isObject(value)) return null;
  if (isObject(value.not)) {
    const inner = parseNode(value.not);
    if (inner === null) return null;
    return inner.negated ? { ...newGroup('and', [inner]), negated: true } : { ...inner, negated: true };
  }
  if (Array.isArray(value.and) || Array.isArray(value.or)) {
    const combinator = Array.isArray(value.and) ? 'and' : 'or';
    const children = ((combinator === 'and' ? value.and : value.or) as unknown[])
      .map(parseNode)
      .filter((child): child is RuleNode => child !== null);
    return newGroup(combinator, children);
  }
  const base = { id: newId(), negated: false };
  if (isObject(value.field)) {
    const { field, operator, value: fieldValue } = value.field;
    return { ...base, kind: 'field', field: field as SegmentField, operator: operator as SegmentOperator, value: valueText(fieldValue) };
  }
  if (isObject(value.attribute)) {
    const { name, operator, value: attributeValue } = value.attribute;
    return {
      ...base,
      kind: 'attribute',
      name: typeof name === 'string' ? name : '',
      operator: operator as SegmentOperator,
      value: operator === 'IN' && Array.isArray(attributeValue) ? attributeValue.map(jsonText).join(', ') : jsonText(attributeValue),
    };
  }
  if (isObject(value.behaviour)) {
    const { types, channels, campaigns, withinDays, aggregate, operator, value: amount, ...kept } = value.behaviour;
    return {
      ...base,
      kind: 'behaviour',
      types: textList(types),
      channels: textList(channels),
      campaigns: textList(campaigns),
      withinDays: typeof withinDays === 'number' ? String(withinDays) : '',
      aggregate: aggregate === 'SUM' ? 'SUM' : 'COUNT',
      operator: typeof operator === 'string' ? (operator as SegmentOperator) : 'GTE',
      value: typeof amount === 'number' ? String(amount) : '1',
      kept: Object.fromEntries(Object.entries(kept).filter(([, part]) => part !== null && part !== undefined)),
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function textList(value: unknown): string {
  return Array.isArray(value) ? value.map(String).join(', ') : '';
}

function valueText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(String).join(', ');
  return String(value);
}

/** An attribute value back as the text that `loose` reads the same way. */
function jsonText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') {
    const reread = loose(value);
    return reread === value ? value : JSON.stringify(value);
  }
  return JSON.stringify(value);
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
