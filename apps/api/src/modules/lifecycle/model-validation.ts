import { CONDITION_OPERATORS, OFF_PATH_STAGES } from '@clm/schema';
import type { LifecycleModel, PropertyCondition } from '@clm/schema';
import { z } from 'zod';
import { findUnstorableText } from '../../core/ids';
import { EVEN_IF_FIELDS_FAILED, issuePath, pathIssues, UNLESS_FAILED } from '../../core/zod-issues';
import type { PathIssue } from '../../core/zod-issues';
import { AT_RISK_RULE_ID, CHURNED_RULE_ID, WIN_BACK_RULE_ID } from './rule-engine';

/*
 * Validation of a lifecycle model before it is stored. Pure: it reports every
 * problem it finds, each with the path of the offending field and a sentence
 * naming the offending value, so an editor can show them all at once.
 *
 * The shape (non-empty names, kebab-case keys, non-empty lists, operators and
 * the values they take, day counts) is a zod schema built once; its checks
 * name their problem, and the messages are written per call, since they
 * name the rule or stage a problem is in. What needs the model as a whole
 * (keys used twice or reserved, stages that do not exist) is checked by the
 * functions below on the typed model. Both lists are merged in field order.
 */

/** One problem in a lifecycle model: where it is (`rules[0].to`) and what is wrong. */
export type ModelIssue = PathIssue;

/** Stage keys and rule ids: a lowercase letter, then lowercase letters, digits or hyphens. */
const KEBAB_CASE = /^[a-z][a-z0-9-]*$/;
const KEBAB_CASE_HINT = 'lowercase kebab-case (a lowercase letter, then lowercase letters, digits or hyphens)';

/** Rule ids the engine writes on its own transitions; a model rule using one would be indistinguishable. */
const RESERVED_RULE_IDS: readonly string[] = [WIN_BACK_RULE_ID, AT_RISK_RULE_ID, CHURNED_RULE_ID];

const OPERATOR_NAMES: readonly string[] = CONDITION_OPERATORS;
const NUMERIC_OPERATORS: readonly string[] = ['gt', 'gte', 'lt', 'lte'];

/** Every problem in `model`, in field order; an empty list means the model is valid. */
export function validateLifecycleModel(model: LifecycleModel): ModelIssue[] {
  const issues: ModelIssue[] = [];
  // A string PostgreSQL cannot store would fail the write; report it like any other problem.
  const unstorable = findUnstorableText(model, '');
  if (unstorable !== null) issues.push({ path: unstorable.field, message: `${unstorable.field} ${unstorable.message}` });
  const parsed = MODEL_SHAPE.safeParse(model, { error: (issue) => shapeMessage(issue, model) });
  const shapeIssues = parsed.success ? [] : pathIssues(parsed.error, '');
  const shapePaths = new Set(shapeIssues.map((issue) => issue.path));
  const funnelKeys = model.stages.map((stage) => stage.key);
  const modelIssues = [
    ...keyIssues(model, shapePaths),
    ...validateAcquiredStage(model.acquiredStage, funnelKeys),
    ...referenceIssues(model, funnelKeys),
  ];
  return [...issues, ...inFieldOrder([...shapeIssues, ...modelIssues])];
}

// ------------------------------------------------------------------ shape

/** What is wrong, named by a shape check; `shapeMessage` writes the sentence. */
type Problem =
  | 'emptyName'
  | 'tooFewStages'
  | 'emptyKey'
  | 'keyFormat'
  | 'emptyStageName'
  | 'emptyFrom'
  | 'noCriteria'
  | 'emptyList'
  | 'minCount'
  | 'minCountWithoutTypes'
  | 'emptyProperty'
  | 'unknownOperator'
  | 'operatorValue'
  | 'atRiskDays'
  | 'churnedDays';

const problem = (name: Problem) => ({ params: { problem: name } });
const nonBlank = (text: string) => text.trim() !== '';

const keySchema = z
  .string()
  .refine(nonBlank, problem('emptyKey'))
  .refine((key) => KEBAB_CASE.test(key), { ...problem('keyFormat'), ...UNLESS_FAILED });

const conditionSchema = z
  .object({ property: z.string().refine(nonBlank, problem('emptyProperty')), operator: z.string(), value: z.unknown().optional() })
  .superRefine((condition, context) => {
    const operator: string = condition.operator;
    if (!OPERATOR_NAMES.includes(operator))
      context.addIssue({ code: 'custom', path: ['operator'], input: operator, ...problem('unknownOperator') });
    else if (operatorValueProblem(operator, condition.value))
      context.addIssue({ code: 'custom', path: ['value'], input: condition.value, ...problem('operatorValue') });
  }, EVEN_IF_FIELDS_FAILED);

const listSchema = z
  .array(z.string())
  .refine((list) => list.length > 0, problem('emptyList'))
  .nullish();

const matchSchema = z
  .object({
    types: listSchema,
    channels: listSchema,
    minCount: z
      .number()
      .refine((count) => Number.isInteger(count) && count >= 1, problem('minCount'))
      .optional(),
    conditions: z.array(conditionSchema).optional(),
  })
  .superRefine((match, context) => {
    if (match.types === undefined && match.channels === undefined && (match.conditions ?? []).length === 0)
      context.addIssue({ code: 'custom', input: match, ...problem('noCriteria') });
    if (match.minCount !== undefined && match.types === undefined)
      context.addIssue({ code: 'custom', path: ['minCount'], input: match.minCount, ...problem('minCountWithoutTypes') });
  }, EVEN_IF_FIELDS_FAILED);

const days = (valid: (days: number) => boolean, name: Problem) => z.number().refine(valid, problem(name));

const MODEL_SHAPE = z.object({
  name: z.string().refine(nonBlank, problem('emptyName')),
  stages: z
    .array(z.object({ key: keySchema, name: z.string().refine(nonBlank, problem('emptyStageName')) }))
    .refine((stages) => stages.length >= 2, problem('tooFewStages')),
  rules: z.array(
    z.object({
      id: keySchema,
      from: z
        .array(z.string())
        .refine((from) => from.length > 0, problem('emptyFrom'))
        .optional(),
      when: matchSchema,
    }),
  ),
  inactivity: z
    .object({
      atRiskAfterDays: days((count) => Number.isInteger(count) && count >= 1 && count <= MAX_INACTIVITY_DAYS, 'atRiskDays'),
      churnedAfterDays: z.number(),
    })
    .superRefine(({ atRiskAfterDays, churnedAfterDays }, context) => {
      if (churnedAfterDays > MAX_INACTIVITY_DAYS || !Number.isInteger(churnedAfterDays) || !(churnedAfterDays > atRiskAfterDays))
        context.addIssue({ code: 'custom', path: ['churnedAfterDays'], input: churnedAfterDays, ...problem('churnedDays') });
    }, EVEN_IF_FIELDS_FAILED),
  winBack: z.object({ when: matchSchema }),
});

/** Whether `value` is not what `operator` compares with. */
function operatorValueProblem(operator: string, value: unknown): boolean {
  if (operator === 'in') return !Array.isArray(value);
  if (NUMERIC_OPERATORS.includes(operator)) return typeof value !== 'number';
  return operator === 'exists' && value !== undefined;
}

/** The sentence for a shape issue; `model` names the rule, stage or condition it is in. */
function shapeMessage(issue: z.core.$ZodRawIssue, model: LifecycleModel): string | undefined {
  const path = issue.path ?? [];
  const index = typeof path[1] === 'number' ? path[1] : 0;
  const field = String(path.at(-1));
  const input = issue.input;
  const problem: unknown = issue.code === 'custom' ? issue.params?.problem : undefined;
  switch (problem) {
    case 'emptyName':
      return 'the model name is empty';
    case 'tooFewStages':
      return `a model needs at least 2 stages, this one has ${model.stages.length}`;
    case 'emptyKey':
      return path[0] === 'stages' ? `stage ${index + 1} has an empty key` : `rule ${index + 1} has an empty id`;
    case 'keyFormat':
      return `${path[0] === 'stages' ? 'stage key' : 'rule id'} "${String(input)}" must be ${KEBAB_CASE_HINT}`;
    case 'emptyStageName':
      return `stage "${model.stages[index].key}" has an empty name`;
    case 'emptyFrom':
      return `${subjectAt(path, model)} has an empty "from" list, so it never fires; leave "from" out to allow every stage`;
    case 'noCriteria':
      return `${subjectAt(path, model)} has no criteria: give at least one of types, channels or conditions`;
    case 'emptyList':
      return `${subjectAt(path, model)} has an empty ${field} list, so it never fires; leave ${field} out to match any`;
    case 'minCount':
      return `${subjectAt(path, model)} has minCount ${String(input)}, which must be a whole number of at least 1`;
    case 'minCountWithoutTypes':
      return `${subjectAt(path, model)} has minCount ${String(input)} but no types to count`;
    case 'emptyProperty':
      return `${subjectAt(path, model)} has a condition with an empty property`;
    case 'unknownOperator':
      return `${testsAt(path, model)} with unknown operator "${String(input)}"; use one of ${OPERATOR_NAMES.join(', ')}`;
    case 'operatorValue':
      return operatorValueMessage(testsAt(path, model), conditionAt(path, model));
    case 'atRiskDays':
      return `atRiskAfterDays is ${String(input)}, but it must be a whole number of days, from 1 to ${MAX_INACTIVITY_DAYS}`;
    case 'churnedDays':
      return churnedMessage(model.inactivity.atRiskAfterDays, model.inactivity.churnedAfterDays);
    default:
      // A stored or hand-built model of the wrong type; a GraphQL input cannot be.
      return issue.code === 'invalid_type' ? `${issuePath('', path)} must be a ${issue.expected}` : undefined;
  }
}

/** `rule "acquired"`, `rule 2` (a rule without an id) or `win-back`, for a path inside it. */
function subjectAt(path: readonly PropertyKey[], model: LifecycleModel): string {
  if (path[0] !== 'rules' || typeof path[1] !== 'number') return 'win-back';
  const id = model.rules[path[1]].id;
  return id.trim() === '' ? `rule ${path[1] + 1}` : `rule "${id}"`;
}

/** The condition a path `…when.conditions[i].…` is in. */
function conditionAt(path: readonly PropertyKey[], model: LifecycleModel): PropertyCondition {
  const match = path[0] === 'rules' && typeof path[1] === 'number' ? model.rules[path[1]].when : model.winBack.when;
  const at = path.indexOf('conditions');
  return (match.conditions ?? [])[Number(path[at + 1])];
}

function testsAt(path: readonly PropertyKey[], model: LifecycleModel): string {
  const { property } = conditionAt(path, model);
  return `${subjectAt(path, model)} tests ${property.trim() === '' ? 'an empty property' : `"${property}"`}`;
}

function operatorValueMessage(tests: string, { operator, value }: PropertyCondition): string {
  const shown = value === undefined ? 'missing' : JSON.stringify(value);
  if (operator === 'in') return `${tests} with "in", which needs a list value, but the value is ${shown}`;
  if (operator === 'exists') return `${tests} with "exists", which takes no value, but the value is ${shown}`;
  return `${tests} with "${operator}", which needs a number value, but the value is ${shown}`;
}

function churnedMessage(atRiskAfterDays: number, churnedAfterDays: number): string {
  if (churnedAfterDays > MAX_INACTIVITY_DAYS)
    return `churnedAfterDays is ${churnedAfterDays}, but it must be at most ${MAX_INACTIVITY_DAYS} days`;
  return `churnedAfterDays is ${churnedAfterDays}, but it must be a whole number of days greater than atRiskAfterDays (${atRiskAfterDays})`;
}

/** About a century: a threshold beyond it is a typo, and one far beyond it pushes sweep dates out of any calendar. */
export const MAX_INACTIVITY_DAYS = 36_500;

// ------------------------------------------------------------ the model

/** Stage keys and rule ids used twice or reserved; a key whose shape is wrong is told that alone. */
function keyIssues(model: LifecycleModel, shapePaths: ReadonlySet<string>): ModelIssue[] {
  const issues: ModelIssue[] = [];
  const check = (
    values: readonly string[],
    at: (index: number) => string,
    messages: (value: string) => { reserved: string | null; duplicate: string },
  ) => {
    const seen = new Set<string>();
    values.forEach((value, index) => {
      const duplicate = seen.has(value);
      seen.add(value);
      const path = at(index);
      if (shapePaths.has(path)) return;
      const { reserved, duplicate: twice } = messages(value);
      if (reserved !== null) issues.push({ path, message: reserved });
      else if (duplicate) issues.push({ path, message: twice });
    });
  };
  check(
    model.stages.map((stage) => stage.key),
    (index) => `stages[${index}].key`,
    (key) => ({
      reserved: OFF_PATH_STAGES.includes(key) ? `stage key "${key}" is reserved for the off-path state every model has` : null,
      duplicate: `stage key "${key}" is used by more than one stage`,
    }),
  );
  check(
    model.rules.map((rule) => rule.id),
    (index) => `rules[${index}].id`,
    (id) => ({
      reserved: RESERVED_RULE_IDS.includes(id) ? `rule id "${id}" is reserved for the engine's own transitions` : null,
      duplicate: `rule id "${id}" is used by more than one rule`,
    }),
  );
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

/** Stages named by rules, inactivity and win-back that are not stages of the model. */
function referenceIssues(model: LifecycleModel, funnelKeys: readonly string[]): ModelIssue[] {
  const issues: ModelIssue[] = [];
  const moveTo = (stage: string, path: string, lead: string) => {
    const problem = checkFunnelStage(stage, funnelKeys, lead);
    if (problem !== null) issues.push({ path, message: problem });
  };
  model.rules.forEach((rule, index) => {
    const subject = subjectAt(['rules', index], model);
    moveTo(rule.to, `rules[${index}].to`, `${subject} moves to`);
    (rule.from ?? []).forEach((stage, at) => {
      if (!funnelKeys.includes(stage) && !OFF_PATH_STAGES.includes(stage))
        issues.push({ path: `rules[${index}].from[${at}]`, message: `${subject} starts from unknown stage "${stage}"` });
    });
  });
  moveTo(model.inactivity.fromStage, 'inactivity.fromStage', 'inactivity starts from');
  if (model.winBack.to !== null) moveTo(model.winBack.to, 'winBack.to', 'win-back moves to');
  return issues;
}

/** Null when `stage` is a funnel stage; otherwise a sentence starting with `lead` ("rule "x" moves to"). */
function checkFunnelStage(stage: string, funnelKeys: readonly string[], lead: string): string | null {
  if (OFF_PATH_STAGES.includes(stage)) return `${lead} "${stage}", which is not a funnel stage`;
  if (!funnelKeys.includes(stage)) return `${lead} unknown stage "${stage}"`;
  return null;
}

/** Fields in the order a model lists them (a stage's key before its name, the model's name before its stages). */
const FIELD_ORDER = [
  'key',
  'name',
  'stages',
  'acquiredStage',
  'rules',
  'id',
  'to',
  'from',
  'when',
  'types',
  'channels',
  'minCount',
  'conditions',
  'property',
  'operator',
  'value',
  'inactivity',
  'fromStage',
  'atRiskAfterDays',
  'churnedAfterDays',
  'winBack',
];

/** `issues` sorted by where they are in the model: fields in model order, items by index, a field before what is inside it. */
function inFieldOrder(issues: ModelIssue[]): ModelIssue[] {
  const keyed = issues.map((issue) => ({ issue, at: positionOf(issue.path) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < Math.min(a.at.length, b.at.length); i++) if (a.at[i] !== b.at[i]) return a.at[i] - b.at[i];
    return a.at.length - b.at.length;
  });
  return keyed.map(({ issue }) => issue);
}

/** `rules[2].when.types` as numbers: each field's place in FIELD_ORDER, each index as itself. */
function positionOf(path: string): number[] {
  return [...path.matchAll(/([A-Za-z]+)|\[(\d+)\]/g)].map(([, name, index]) =>
    name === undefined ? Number(index) : FIELD_ORDER.indexOf(name),
  );
}
