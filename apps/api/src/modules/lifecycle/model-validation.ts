import { CONDITION_OPERATORS, OFF_PATH_STAGES } from '@clm/schema';
import type { InactivityPolicy, LifecycleModel, PropertyCondition, TouchpointMatch, TransitionRule, WinBackPolicy } from '@clm/schema';
import { findUnstorableText } from '../../core/ids';
import { AT_RISK_RULE_ID, CHURNED_RULE_ID, WIN_BACK_RULE_ID } from './rule-engine';

/*
 * Validation of a lifecycle model before it is stored. Pure: it reports every
 * problem it finds, each with the path of the offending field and a sentence
 * naming the offending value, so an editor can show them all at once.
 */

/** One problem in a lifecycle model: where it is (`rules[0].to`) and what is wrong. */
export type ModelIssue = { path: string; message: string };

/** Stage keys and rule ids: a lowercase letter, then lowercase letters, digits or hyphens. */
const KEBAB_CASE = /^[a-z][a-z0-9-]*$/;
const KEBAB_CASE_HINT = 'lowercase kebab-case (a lowercase letter, then lowercase letters, digits or hyphens)';

/** Rule ids the engine writes on its own transitions; a model rule using one would be indistinguishable. */
const RESERVED_RULE_IDS: readonly string[] = [WIN_BACK_RULE_ID, AT_RISK_RULE_ID, CHURNED_RULE_ID];

const OPERATOR_NAMES: readonly string[] = CONDITION_OPERATORS;
const NUMERIC_OPERATORS: readonly string[] = ['gt', 'gte', 'lt', 'lte'];

/** Every problem in `model`, in field order; an empty list means the model is valid. */
export function validateLifecycleModel(model: LifecycleModel): ModelIssue[] {
  const funnelKeys = model.stages.map((stage) => stage.key);
  const issues: ModelIssue[] = [];
  // A string PostgreSQL cannot store would fail the write; report it like any other problem.
  const unstorable = findUnstorableText(model, '');
  if (unstorable !== null) issues.push({ path: unstorable.field, message: `${unstorable.field} ${unstorable.message}` });
  if (model.name.trim() === '') issues.push({ path: 'name', message: 'the model name is empty' });
  issues.push(...validateStages(model));
  issues.push(...validateAcquiredStage(model.acquiredStage, funnelKeys));
  issues.push(...validateRules(model.rules, funnelKeys));
  issues.push(...validateInactivity(model.inactivity, funnelKeys));
  issues.push(...validateWinBack(model.winBack, funnelKeys));
  return issues;
}

function validateStages(model: LifecycleModel): ModelIssue[] {
  const issues: ModelIssue[] = [];
  if (model.stages.length < 2) {
    issues.push({ path: 'stages', message: `a model needs at least 2 stages, this one has ${model.stages.length}` });
  }
  const seen = new Set<string>();
  model.stages.forEach((stage, index) => {
    const path = `stages[${index}]`;
    const keyIssue = checkKey(stage.key, seen, {
      empty: `stage ${index + 1} has an empty key`,
      format: `stage key "${stage.key}" must be ${KEBAB_CASE_HINT}`,
      reserved: OFF_PATH_STAGES.includes(stage.key) ? `stage key "${stage.key}" is reserved for the off-path state every model has` : null,
      duplicate: `stage key "${stage.key}" is used by more than one stage`,
    });
    if (keyIssue !== null) issues.push({ path: `${path}.key`, message: keyIssue });
    if (stage.name.trim() === '') issues.push({ path: `${path}.name`, message: `stage "${stage.key}" has an empty name` });
  });
  return issues;
}

function validateAcquiredStage(acquiredStage: string, funnelKeys: readonly string[]): ModelIssue[] {
  // A model without stages is already refused; an acquired stage cannot be checked against nothing.
  if (funnelKeys.length === 0) return [];
  if (OFF_PATH_STAGES.includes(acquiredStage)) {
    return [{ path: 'acquiredStage', message: `the acquired stage must be a funnel stage, not "${acquiredStage}"` }];
  }
  if (!funnelKeys.includes(acquiredStage)) {
    return [{ path: 'acquiredStage', message: `the acquired stage "${acquiredStage}" is not a stage of this model` }];
  }
  return [];
}

/** The first problem with a stage key or rule id, or null; records the value in `seen`. */
function checkKey(
  value: string,
  seen: Set<string>,
  messages: { empty: string; format: string; reserved: string | null; duplicate: string },
): string | null {
  if (value.trim() === '') return messages.empty;
  const duplicate = seen.has(value);
  seen.add(value);
  if (!KEBAB_CASE.test(value)) return messages.format;
  if (messages.reserved !== null) return messages.reserved;
  return duplicate ? messages.duplicate : null;
}

function validateRules(rules: readonly TransitionRule[], funnelKeys: readonly string[]): ModelIssue[] {
  const issues: ModelIssue[] = [];
  const seen = new Set<string>();
  rules.forEach((rule, index) => {
    const path = `rules[${index}]`;
    const subject = rule.id.trim() === '' ? `rule ${index + 1}` : `rule "${rule.id}"`;
    const idIssue = checkKey(rule.id, seen, {
      empty: `rule ${index + 1} has an empty id`,
      format: `rule id "${rule.id}" must be ${KEBAB_CASE_HINT}`,
      reserved: RESERVED_RULE_IDS.includes(rule.id) ? `rule id "${rule.id}" is reserved for the engine's own transitions` : null,
      duplicate: `rule id "${rule.id}" is used by more than one rule`,
    });
    if (idIssue !== null) issues.push({ path: `${path}.id`, message: idIssue });
    const toIssue = checkFunnelStage(rule.to, funnelKeys, `${subject} moves to`);
    if (toIssue !== null) issues.push({ path: `${path}.to`, message: toIssue });
    issues.push(...validateFrom(rule, path, subject, funnelKeys));
    issues.push(...validateMatch(rule.when, `${path}.when`, subject));
  });
  return issues;
}

/** Null when `stage` is a funnel stage; otherwise a sentence starting with `lead` ("rule "x" moves to"). */
function checkFunnelStage(stage: string, funnelKeys: readonly string[], lead: string): string | null {
  if (OFF_PATH_STAGES.includes(stage)) return `${lead} "${stage}", which is not a funnel stage`;
  if (!funnelKeys.includes(stage)) return `${lead} unknown stage "${stage}"`;
  return null;
}

function validateFrom(rule: TransitionRule, path: string, subject: string, funnelKeys: readonly string[]): ModelIssue[] {
  if (rule.from === undefined) return [];
  if (rule.from.length === 0) {
    return [
      { path: `${path}.from`, message: `${subject} has an empty "from" list, so it never fires; leave "from" out to allow every stage` },
    ];
  }
  const issues: ModelIssue[] = [];
  rule.from.forEach((stage, index) => {
    if (!funnelKeys.includes(stage) && !OFF_PATH_STAGES.includes(stage)) {
      issues.push({ path: `${path}.from[${index}]`, message: `${subject} starts from unknown stage "${stage}"` });
    }
  });
  return issues;
}

/** Checks what a rule or the win-back policy matches; `subject` names it in messages. */
function validateMatch(match: TouchpointMatch, path: string, subject: string): ModelIssue[] {
  const issues: ModelIssue[] = [];
  const conditions = match.conditions ?? [];
  if (match.types === undefined && match.channels === undefined && conditions.length === 0) {
    issues.push({ path, message: `${subject} has no criteria: give at least one of types, channels or conditions` });
  }
  for (const list of ['types', 'channels'] as const) {
    if (match[list]?.length === 0) {
      issues.push({
        path: `${path}.${list}`,
        message: `${subject} has an empty ${list} list, so it never fires; leave ${list} out to match any`,
      });
    }
  }
  if (match.minCount !== undefined) {
    if (!Number.isInteger(match.minCount) || match.minCount < 1) {
      issues.push({
        path: `${path}.minCount`,
        message: `${subject} has minCount ${match.minCount}, which must be a whole number of at least 1`,
      });
    }
    if (match.types === undefined) {
      issues.push({ path: `${path}.minCount`, message: `${subject} has minCount ${match.minCount} but no types to count` });
    }
  }
  conditions.forEach((condition, index) => {
    issues.push(...validateCondition(condition, `${path}.conditions[${index}]`, subject));
  });
  return issues;
}

function validateCondition(condition: PropertyCondition, path: string, subject: string): ModelIssue[] {
  const issues: ModelIssue[] = [];
  const emptyProperty = condition.property.trim() === '';
  if (emptyProperty) issues.push({ path: `${path}.property`, message: `${subject} has a condition with an empty property` });
  // Widened to string: a stored model may carry an operator the type does not know.
  const operator: string = condition.operator;
  const tests = `${subject} tests ${emptyProperty ? 'an empty property' : `"${condition.property}"`}`;
  const value = condition.value;
  if (!OPERATOR_NAMES.includes(operator)) {
    issues.push({
      path: `${path}.operator`,
      message: `${tests} with unknown operator "${operator}"; use one of ${OPERATOR_NAMES.join(', ')}`,
    });
  } else if (operator === 'in' && !Array.isArray(value)) {
    issues.push({ path: `${path}.value`, message: `${tests} with "in", which needs a list value, but the value is ${showValue(value)}` });
  } else if (NUMERIC_OPERATORS.includes(operator) && typeof value !== 'number') {
    issues.push({
      path: `${path}.value`,
      message: `${tests} with "${operator}", which needs a number value, but the value is ${showValue(value)}`,
    });
  } else if (operator === 'exists' && value !== undefined) {
    issues.push({ path: `${path}.value`, message: `${tests} with "exists", which takes no value, but the value is ${showValue(value)}` });
  }
  return issues;
}

function showValue(value: PropertyCondition['value']): string {
  return value === undefined ? 'missing' : JSON.stringify(value);
}

/** About a century: a threshold beyond it is a typo, and one far beyond it pushes sweep dates out of any calendar. */
export const MAX_INACTIVITY_DAYS = 36_500;

function validateInactivity(inactivity: InactivityPolicy, funnelKeys: readonly string[]): ModelIssue[] {
  const issues: ModelIssue[] = [];
  const fromIssue = checkFunnelStage(inactivity.fromStage, funnelKeys, 'inactivity starts from');
  if (fromIssue !== null) issues.push({ path: 'inactivity.fromStage', message: fromIssue });
  const { atRiskAfterDays, churnedAfterDays } = inactivity;
  if (!Number.isInteger(atRiskAfterDays) || atRiskAfterDays < 1 || atRiskAfterDays > MAX_INACTIVITY_DAYS) {
    issues.push({
      path: 'inactivity.atRiskAfterDays',
      message: `atRiskAfterDays is ${atRiskAfterDays}, but it must be a whole number of days, from 1 to ${MAX_INACTIVITY_DAYS}`,
    });
  }
  if (churnedAfterDays > MAX_INACTIVITY_DAYS) {
    issues.push({
      path: 'inactivity.churnedAfterDays',
      message: `churnedAfterDays is ${churnedAfterDays}, but it must be at most ${MAX_INACTIVITY_DAYS} days`,
    });
  } else if (!Number.isInteger(churnedAfterDays) || !(churnedAfterDays > atRiskAfterDays)) {
    issues.push({
      path: 'inactivity.churnedAfterDays',
      message: `churnedAfterDays is ${churnedAfterDays}, but it must be a whole number of days greater than atRiskAfterDays (${atRiskAfterDays})`,
    });
  }
  return issues;
}

function validateWinBack(winBack: WinBackPolicy, funnelKeys: readonly string[]): ModelIssue[] {
  const issues: ModelIssue[] = [];
  if (winBack.to !== null) {
    const toIssue = checkFunnelStage(winBack.to, funnelKeys, 'win-back moves to');
    if (toIssue !== null) issues.push({ path: 'winBack.to', message: toIssue });
  }
  issues.push(...validateMatch(winBack.when, 'winBack.when', 'win-back'));
  return issues;
}
