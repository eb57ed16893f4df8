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

/** Number fields that do not hold a whole number (left empty, say), each with its path: the API's Int! cannot carry them. */
export function wholeNumberIssues(model: LifecycleModelInput): Array<{ path: string; message: string }> {
  const issues: Array<{ path: string; message: string }> = [];
  for (const field of ['atRiskAfterDays', 'churnedAfterDays'] as const) {
    if (!Number.isInteger(model.inactivity[field])) issues.push({ path: `inactivity.${field}`, message: 'Give a whole number of days.' });
  }
  const matches = [
    ...model.rules.map((rule, index) => ({ when: rule.when, path: `rules[${index}].when` })),
    { when: model.winBack.when, path: 'winBack.when' },
  ];
  for (const { when, path } of matches) {
    const minCount = when.minCount;
    if (minCount !== null && minCount !== undefined && !Number.isInteger(minCount))
      issues.push({ path: `${path}.minCount`, message: 'Give a whole number, or leave it empty for the first.' });
  }
  return issues;
}
