import type { LifecycleModelFieldsFragment, LifecycleModelInput, TouchpointMatchInput } from '../../gql/graphql';

/*
 * The lifecycle model as the settings editor holds it: exactly the API's
 * LifecycleModelInput, made from the model the API returned. Pure functions.
 */

type Match = LifecycleModelFieldsFragment['winBack']['when'];

/**
 * The input that `setLifecycleModel` and `validateLifecycleModel` take, for a
 * model the API returned. Fields are copied one by one: results carry
 * `__typename`, which an input type refuses.
 */
export function modelToInput(model: LifecycleModelFieldsFragment): LifecycleModelInput {
  return {
    name: model.name,
    description: model.description,
    acquiredStage: model.acquiredStage,
    stages: model.stages.map((stage) => ({ key: stage.key, name: stage.name, description: stage.description })),
    rules: model.rules.map((rule) => ({
      id: rule.id,
      description: rule.description,
      from: rule.from ? [...rule.from] : null,
      to: rule.to,
      when: matchToInput(rule.when),
    })),
    inactivity: {
      fromStage: model.inactivity.fromStage,
      atRiskAfterDays: model.inactivity.atRiskAfterDays,
      churnedAfterDays: model.inactivity.churnedAfterDays,
    },
    winBack: { to: model.winBack.to, when: matchToInput(model.winBack.when) },
  };
}

function matchToInput(match: Match): TouchpointMatchInput {
  return {
    types: match.types ? [...match.types] : null,
    channels: match.channels ? [...match.channels] : null,
    minCount: match.minCount,
    conditions: match.conditions
      ? match.conditions.map((condition) => ({ property: condition.property, operator: condition.operator, value: condition.value }))
      : null,
  };
}

/** Comma-separated text as a list; null for none (the API's "any"). */
export function parseList(text: string): string[] | null {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return items.length === 0 ? null : items;
}

export function listText(items: readonly string[] | null | undefined): string {
  return items ? items.join(', ') : '';
}

/** Issues whose path is `path` or lies inside it (`rules[2]` holds `rules[2].to`). */
export function issuesAt(issues: ReadonlyArray<{ path: string; message: string }>, path: string): string[] {
  return issues
    .filter((issue) => issue.path === path || issue.path.startsWith(`${path}.`) || issue.path.startsWith(`${path}[`))
    .map((issue) => issue.message);
}

/** A stage key from a name: lowercase, words joined by hyphens. */
export function keyFromName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * A condition value as typed: JSON when it parses (`5`, `true`, `"5"`,
 * `["gold", "silver"]`), else the text itself as a string; null for an empty
 * box (no value, as `exists` wants).
 */
export function parseConditionValue(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return trimmed;
  }
}

/** A condition value as the editor shows it: plain text for a string that reads back as itself, else JSON. */
export function conditionValueText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string' && value.trim() === value && value !== '' && parseConditionValue(value) === value) return value;
  return JSON.stringify(value);
}
