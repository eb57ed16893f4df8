import { useMutation, useQuery } from '@apollo/client/react';
import { useEffect, useMemo, useState } from 'react';
import { LifecycleSettingsDocument, SetLifecycleModelDocument, ValidateLifecycleModelDocument } from '../../gql/graphql';
import type {
  LifecycleModelFieldsFragment,
  LifecycleModelInput,
  PropertyConditionInput,
  StageInput,
  TouchpointMatchInput,
  TransitionRuleInput,
} from '../../gql/graphql';
import { ApiErrorState, LoadingState } from '../../components/States';
import { apiErrorMessage } from '../../lib/api-errors';
import { plural } from '../../lib/format';
import { ConditionValueInput, FieldIssues, ListInput } from './FieldIssues';
import { issuesAt, keyFromName, modelToInput } from './model-draft';
import { issuesOf } from '../../lib/api-errors';

const VALIDATE_DEBOUNCE_MS = 400;
const OFF_PATH = [
  { key: 'at-risk', name: 'At risk' },
  { key: 'churned', name: 'Churned' },
];

/** The lifecycle model: apply a preset, or edit stages and rules with the API's validation beside each field. */
export function LifecycleSection({ isAdmin }: { isAdmin: boolean }) {
  const { data, loading, error } = useQuery(LifecycleSettingsDocument);
  const [draft, setDraft] = useState<LifecycleModelInput | null>(null);

  if (error) return <ApiErrorState error={error} />;
  if (loading && !data) return <LoadingState label="Loading the lifecycle model…" />;
  if (!data) return null;
  const model = data.lifecycleModel;

  return (
    <div className="clm-stack">
      <div className="clm-card">
        <p>
          <strong>{model.name}</strong> — {model.description || 'no description'}
        </p>
        <ol className="clm-chips" aria-label="Funnel stages">
          {model.stages.map((stage) => (
            <li key={stage.key} className="clm-chip">
              {stage.name}
            </li>
          ))}
        </ol>
        <p className="muted clm-small">
          {plural(model.rules.length, 'rule')}; acquired at{' '}
          {model.stages.find((stage) => stage.key === model.acquiredStage)?.name ?? model.acquiredStage}; at risk after{' '}
          {plural(model.inactivity.atRiskAfterDays, 'day')} without a touchpoint, churned after{' '}
          {plural(model.inactivity.churnedAfterDays, 'day')}.
        </p>
        {isAdmin && (
          <div className="clm-actions">
            <PresetPicker presets={data.lifecyclePresets} current={model.name} />
            {!draft && (
              <button type="button" className="button" onClick={() => setDraft(modelToInput(model))}>
                Edit stages and rules
              </button>
            )}
          </div>
        )}
      </div>
      {isAdmin && draft && <ModelEditor draft={draft} onChange={setDraft} onClose={() => setDraft(null)} />}
    </div>
  );
}

function PresetPicker({ presets, current }: { presets: readonly LifecycleModelFieldsFragment[]; current: string }) {
  const [preset, setPreset] = useState('');
  const [apply, { loading, error, data }] = useMutation(SetLifecycleModelDocument, { refetchQueries: ['LifecycleSettings'] });
  return (
    <form
      className="clm-inline-form"
      onSubmit={(event) => {
        event.preventDefault();
        if (preset && window.confirm(`Replace the model "${current}" with the preset "${preset}"?`))
          void apply({ variables: { preset } }).catch(() => null);
      }}
    >
      <label className="field">
        <span className="field__label">Preset</span>
        <select className="field__input" value={preset} onChange={(event) => setPreset(event.target.value)}>
          <option value="">Choose a preset</option>
          {presets.map((option) => (
            <option key={option.name} value={option.name}>
              {option.name}: {option.stages.map((stage) => stage.name).join(' → ')}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="button" disabled={!preset || loading}>
        Apply preset
      </button>
      {error && (
        <span className="field__error" role="alert">
          {apiErrorMessage(error)}
        </span>
      )}
      {data && !error && (
        <span className="clm-success" role="status">
          Now using {data.setLifecycleModel.name}.
        </span>
      )}
    </form>
  );
}

type ModelEditorProps = {
  draft: LifecycleModelInput;
  onChange: (draft: LifecycleModelInput) => void;
  onClose: () => void;
};

function ModelEditor({ draft, onChange, onClose }: ModelEditorProps) {
  const [checked, setChecked] = useState(draft);
  useEffect(() => {
    const timer = setTimeout(() => setChecked(draft), VALIDATE_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [draft]);
  const local = useMemo(() => wholeNumberIssues(draft), [draft]);
  const validation = useQuery(ValidateLifecycleModelDocument, {
    variables: { model: checked },
    fetchPolicy: 'network-only',
    // A number field left empty cannot be sent (the API's Int!); it is named here instead.
    skip: wholeNumberIssues(checked).length > 0,
  });
  const [save, saving] = useMutation(SetLifecycleModelDocument, { refetchQueries: ['LifecycleSettings', 'CustomerFilterOptions'] });
  const issues = useMemo(
    () => [
      ...local,
      ...(local.length > 0 ? [] : (validation.data?.validateLifecycleModel.issues ?? [])),
      ...issuesOf(saving.error).map((issue) => ({ ...issue, path: issue.path.replace(/^model\./, '') })),
    ],
    [local, validation.data, saving.error],
  );
  const at = (path: string) => issuesAt(issues, path);
  const only = (path: string) => issues.filter((issue) => issue.path === path).map((issue) => issue.message);
  const stageOptions = [...draft.stages.map((stage) => ({ key: stage.key, name: stage.name || stage.key })), ...OFF_PATH];
  const setStage = (index: number, change: Partial<StageInput>) =>
    onChange({ ...draft, stages: draft.stages.map((stage, position) => (position === index ? { ...stage, ...change } : stage)) });
  const setRule = (index: number, change: Partial<TransitionRuleInput>) =>
    onChange({ ...draft, rules: draft.rules.map((rule, position) => (position === index ? { ...rule, ...change } : rule)) });
  const moveStage = (index: number, by: number) => {
    const stages = [...draft.stages];
    const [stage] = stages.splice(index, 1);
    stages.splice(index + by, 0, stage);
    onChange({ ...draft, stages });
  };
  const valid = local.length === 0 && validation.data?.validateLifecycleModel.valid === true && checked === draft;

  return (
    <form
      className="clm-card clm-form model-editor"
      aria-label="Edit the lifecycle model"
      onSubmit={(event) => {
        event.preventDefault();
        void save({ variables: { model: draft } })
          .then((result) => {
            if (result.data) onClose();
          })
          .catch(() => null);
      }}
    >
      <div className="clm-form__row">
        <label className="field">
          <span className="field__label">Model name</span>
          <input
            className="field__input"
            value={draft.name}
            aria-invalid={at('name').length > 0 || undefined}
            onChange={(event) => onChange({ ...draft, name: event.target.value })}
          />
          <FieldIssues messages={at('name')} />
        </label>
        <label className="field">
          <span className="field__label">Description</span>
          <input
            className="field__input"
            value={draft.description ?? ''}
            onChange={(event) => onChange({ ...draft, description: event.target.value })}
          />
        </label>
      </div>

      <fieldset className="clm-fieldset">
        <legend>Funnel stages, in order</legend>
        <FieldIssues messages={issues.filter((issue) => issue.path === 'stages').map((issue) => issue.message)} />
        <ol className="model-editor__list">
          {draft.stages.map((stage, index) => (
            <li key={index} className="model-editor__item">
              <label className="field">
                <span className="field__label">Name</span>
                <input
                  className="field__input"
                  value={stage.name}
                  aria-invalid={at(`stages[${index}].name`).length > 0 || undefined}
                  onChange={(event) => setStage(index, { name: event.target.value })}
                />
                <FieldIssues messages={at(`stages[${index}].name`)} />
              </label>
              <label className="field">
                <span className="field__label">Key</span>
                <input
                  className="field__input"
                  value={stage.key}
                  aria-invalid={at(`stages[${index}].key`).length > 0 || undefined}
                  onChange={(event) => setStage(index, { key: event.target.value })}
                />
                <FieldIssues messages={at(`stages[${index}].key`)} />
              </label>
              <div className="clm-actions">
                <button
                  type="button"
                  className="button button--quiet"
                  aria-label={`Move ${stage.name || 'stage'} up`}
                  disabled={index === 0}
                  onClick={() => moveStage(index, -1)}
                >
                  ↑
                </button>
                <button
                  type="button"
                  className="button button--quiet"
                  aria-label={`Move ${stage.name || 'stage'} down`}
                  disabled={index === draft.stages.length - 1}
                  onClick={() => moveStage(index, 1)}
                >
                  ↓
                </button>
                <button
                  type="button"
                  className="button button--quiet"
                  aria-label={`Remove ${stage.name || 'stage'}`}
                  onClick={() => onChange({ ...draft, stages: draft.stages.filter((_, position) => position !== index) })}
                >
                  Remove
                </button>
              </div>
            </li>
          ))}
        </ol>
        <button
          type="button"
          className="button"
          onClick={() => {
            const name = `Stage ${draft.stages.length + 1}`;
            onChange({ ...draft, stages: [...draft.stages, { key: keyFromName(name), name, description: '' }] });
          }}
        >
          Add a stage
        </button>
      </fieldset>

      <div className="clm-form__row">
        <label className="field">
          <span className="field__label">Acquired at</span>
          <select
            className="field__input"
            value={draft.acquiredStage ?? ''}
            onChange={(event) => onChange({ ...draft, acquiredStage: event.target.value || null })}
          >
            <option value="">(the first stage a purchase reaches)</option>
            {draft.stages.map((stage, index) => (
              <option key={index} value={stage.key}>
                {stage.name || stage.key}
              </option>
            ))}
          </select>
          <FieldIssues messages={at('acquiredStage')} />
        </label>
        <label className="field">
          <span className="field__label">Inactivity sweep from</span>
          <select
            className="field__input"
            value={draft.inactivity.fromStage}
            onChange={(event) => onChange({ ...draft, inactivity: { ...draft.inactivity, fromStage: event.target.value } })}
          >
            {draft.stages.map((stage, index) => (
              <option key={index} value={stage.key}>
                {stage.name || stage.key}
              </option>
            ))}
          </select>
          <FieldIssues messages={at('inactivity.fromStage')} />
        </label>
        <NumberField
          label="At risk after (days)"
          value={draft.inactivity.atRiskAfterDays}
          issues={at('inactivity.atRiskAfterDays')}
          onChange={(atRiskAfterDays) => onChange({ ...draft, inactivity: { ...draft.inactivity, atRiskAfterDays } })}
        />
        <NumberField
          label="Churned after (days)"
          value={draft.inactivity.churnedAfterDays}
          issues={at('inactivity.churnedAfterDays')}
          onChange={(churnedAfterDays) => onChange({ ...draft, inactivity: { ...draft.inactivity, churnedAfterDays } })}
        />
      </div>

      <fieldset className="clm-fieldset">
        <legend>Rules: a touchpoint moves a customer when it matches</legend>
        <FieldIssues messages={issues.filter((issue) => issue.path === 'rules').map((issue) => issue.message)} />
        <ol className="model-editor__list">
          {draft.rules.map((rule, index) => {
            const path = `rules[${index}]`;
            return (
              <li key={index} className="model-editor__item model-editor__item--rule">
                <label className="field">
                  <span className="field__label">Rule id</span>
                  <input className="field__input" value={rule.id} onChange={(event) => setRule(index, { id: event.target.value })} />
                  <FieldIssues messages={at(`${path}.id`)} />
                </label>
                <MatchFields match={rule.when} path={`${path}.when`} at={at} onChange={(when) => setRule(index, { when })} />
                <label className="field">
                  <span className="field__label">Only from stages</span>
                  <ListInput
                    label="Only from stages"
                    placeholder="any stage"
                    value={rule.from}
                    onChange={(from) => setRule(index, { from })}
                  />
                  <FieldIssues messages={at(`${path}.from`)} />
                </label>
                <label className="field">
                  <span className="field__label">Moves to</span>
                  <select className="field__input" value={rule.to} onChange={(event) => setRule(index, { to: event.target.value })}>
                    {!stageOptions.some((stage) => stage.key === rule.to) && <option value={rule.to}>{rule.to || '(none)'}</option>}
                    {stageOptions.map((stage) => (
                      <option key={stage.key} value={stage.key}>
                        {stage.name}
                      </option>
                    ))}
                  </select>
                  <FieldIssues messages={at(`${path}.to`)} />
                </label>
                <ConditionsField
                  conditions={rule.when.conditions}
                  path={`${path}.when`}
                  subject={`rule ${rule.id}`}
                  at={at}
                  only={only}
                  onChange={(conditions) => setRule(index, { when: { ...rule.when, conditions } })}
                />
                <button
                  type="button"
                  className="button button--quiet"
                  aria-label={`Remove rule ${rule.id}`}
                  onClick={() => onChange({ ...draft, rules: draft.rules.filter((_, position) => position !== index) })}
                >
                  Remove
                </button>
              </li>
            );
          })}
        </ol>
        <button
          type="button"
          className="button"
          onClick={() =>
            onChange({
              ...draft,
              rules: [
                ...draft.rules,
                {
                  id: `rule-${draft.rules.length + 1}`,
                  description: '',
                  from: null,
                  to: draft.stages[0]?.key ?? '',
                  when: { types: null },
                },
              ],
            })
          }
        >
          Add a rule
        </button>
      </fieldset>

      <fieldset className="clm-fieldset">
        <legend>Win-back: an at-risk or churned customer returns when a touchpoint matches</legend>
        <div className="model-editor__item">
          <MatchFields
            match={draft.winBack.when}
            path="winBack.when"
            at={at}
            onChange={(when) => onChange({ ...draft, winBack: { ...draft.winBack, when } })}
          />
          <label className="field">
            <span className="field__label">Win-back moves to</span>
            <select
              className="field__input"
              value={draft.winBack.to ?? ''}
              aria-invalid={at('winBack.to').length > 0 || undefined}
              onChange={(event) => onChange({ ...draft, winBack: { ...draft.winBack, to: event.target.value || null } })}
            >
              <option value="">(back to the stage they held)</option>
              {draft.winBack.to && !draft.stages.some((stage) => stage.key === draft.winBack.to) && (
                <option value={draft.winBack.to}>{draft.winBack.to}</option>
              )}
              {draft.stages.map((stage, index) => (
                <option key={index} value={stage.key}>
                  {stage.name || stage.key}
                </option>
              ))}
            </select>
            <FieldIssues messages={at('winBack.to')} />
          </label>
          <ConditionsField
            conditions={draft.winBack.when.conditions}
            path="winBack.when"
            subject="win-back"
            at={at}
            only={only}
            onChange={(conditions) => onChange({ ...draft, winBack: { ...draft.winBack, when: { ...draft.winBack.when, conditions } } })}
          />
        </div>
      </fieldset>

      <div role="status" className="model-editor__status">
        {validation.error ? (
          <span className="field__error">{apiErrorMessage(validation.error)}</span>
        ) : local.length === 0 && (checked !== draft || validation.loading) ? (
          <span className="muted">Checking…</span>
        ) : valid ? (
          <span className="clm-success">The model is valid.</span>
        ) : (
          <span className="field__error">{plural(issues.length, 'problem')} to fix before saving.</span>
        )}
      </div>
      {saving.error && (
        <p className="alert alert--error" role="alert">
          {apiErrorMessage(saving.error)}
        </p>
      )}
      <div className="clm-actions">
        <button type="submit" className="button button--primary" disabled={!valid || saving.loading}>
          {saving.loading ? 'Saving…' : 'Save the model'}
        </button>
        <button type="button" className="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function NumberField({
  label,
  value,
  issues,
  onChange,
}: {
  label: string;
  value: number;
  issues: string[];
  onChange: (value: number) => void;
}) {
  return (
    <label className="field">
      <span className="field__label">{label}</span>
      <input
        className="field__input"
        type="number"
        min={1}
        value={Number.isFinite(value) ? value : ''}
        aria-invalid={issues.length > 0 || undefined}
        onChange={(event) => onChange(event.target.value === '' ? Number.NaN : Number(event.target.value))}
      />
      <FieldIssues messages={issues} />
    </label>
  );
}

/** Number fields that do not hold a whole number (left empty, say), each with its path. */
function wholeNumberIssues(model: LifecycleModelInput): Array<{ path: string; message: string }> {
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

type At = (path: string) => string[];

/** The types, channels and "from the Nth" of what a rule or the win-back policy matches; `path` is its `when`. */
function MatchFields({
  match,
  path,
  at,
  onChange,
}: {
  match: TouchpointMatchInput;
  path: string;
  at: At;
  onChange: (match: TouchpointMatchInput) => void;
}) {
  return (
    <>
      <label className="field">
        <span className="field__label">Touchpoint types</span>
        <ListInput label="Touchpoint types" placeholder="any" value={match.types} onChange={(types) => onChange({ ...match, types })} />
        <FieldIssues messages={at(`${path}.types`)} />
      </label>
      <label className="field">
        <span className="field__label">Channels</span>
        <ListInput label="Channels" placeholder="any" value={match.channels} onChange={(channels) => onChange({ ...match, channels })} />
        <FieldIssues messages={at(`${path}.channels`)} />
      </label>
      <label className="field">
        <span className="field__label">From the Nth</span>
        <input
          className="field__input"
          inputMode="numeric"
          placeholder="1"
          value={match.minCount ?? ''}
          onChange={(event) => onChange({ ...match, minCount: event.target.value === '' ? null : Number(event.target.value) })}
        />
        <FieldIssues messages={at(`${path}.minCount`)} />
      </label>
    </>
  );
}

const OPERATOR_LABELS: ReadonlyArray<{ operator: string; label: string }> = [
  { operator: 'eq', label: 'equals' },
  { operator: 'neq', label: 'does not equal' },
  { operator: 'gt', label: 'greater than' },
  { operator: 'gte', label: 'at least' },
  { operator: 'lt', label: 'less than' },
  { operator: 'lte', label: 'at most' },
  { operator: 'in', label: 'one of (a list)' },
  { operator: 'exists', label: 'is present' },
  { operator: 'contains', label: 'contains' },
];

/**
 * The property conditions of a match, each editable (property, operator,
 * value) with its problems beside the field; `path` is the match's `when`,
 * whose own problems ("no criteria") are shown here too.
 */
function ConditionsField({
  conditions,
  path,
  subject,
  at,
  only,
  onChange,
}: {
  conditions: readonly PropertyConditionInput[] | null | undefined;
  path: string;
  subject: string;
  at: At;
  only: At;
  onChange: (conditions: PropertyConditionInput[] | null) => void;
}) {
  const list = conditions ?? [];
  const own = [...only(path), ...only(`${path}.conditions`)];
  const setCondition = (index: number, change: Partial<PropertyConditionInput>) =>
    onChange(list.map((condition, position) => (position === index ? { ...condition, ...change } : condition)));
  return (
    <fieldset className="clm-fieldset model-editor__conditions">
      <legend>Property conditions{list.length === 0 ? ' (none)' : ''}</legend>
      <FieldIssues messages={own} />
      {list.length > 0 && (
        <ol className="model-editor__list">
          {list.map((condition, index) => {
            const conditionPath = `${path}.conditions[${index}]`;
            const number = `condition ${index + 1} of ${subject}`;
            return (
              <li key={index} className="model-editor__condition">
                <label className="field">
                  <span className="field__label">Property</span>
                  <input
                    className="field__input"
                    placeholder="e.g. rating or survey.score"
                    value={condition.property}
                    aria-invalid={at(`${conditionPath}.property`).length > 0 || undefined}
                    onChange={(event) => setCondition(index, { property: event.target.value })}
                  />
                  <FieldIssues messages={at(`${conditionPath}.property`)} />
                </label>
                <label className="field">
                  <span className="field__label">Operator</span>
                  <select
                    className="field__input"
                    value={condition.operator}
                    aria-invalid={at(`${conditionPath}.operator`).length > 0 || undefined}
                    onChange={(event) =>
                      setCondition(
                        index,
                        event.target.value === 'exists' ? { operator: 'exists', value: null } : { operator: event.target.value },
                      )
                    }
                  >
                    {!OPERATOR_LABELS.some((option) => option.operator === condition.operator) && (
                      <option value={condition.operator}>{condition.operator}</option>
                    )}
                    {OPERATOR_LABELS.map((option) => (
                      <option key={option.operator} value={option.operator}>
                        {option.operator} ({option.label})
                      </option>
                    ))}
                  </select>
                  <FieldIssues messages={at(`${conditionPath}.operator`)} />
                </label>
                <label className="field">
                  <span className="field__label">Value</span>
                  <ConditionValueInput
                    label="Value"
                    value={condition.value}
                    disabled={condition.operator === 'exists'}
                    invalid={at(`${conditionPath}.value`).length > 0}
                    onChange={(value) => setCondition(index, { value })}
                  />
                  <FieldIssues messages={at(`${conditionPath}.value`)} />
                </label>
                <button
                  type="button"
                  className="button button--quiet"
                  aria-label={`Remove ${number}`}
                  onClick={() => {
                    const rest = list.filter((_, position) => position !== index);
                    onChange(rest.length > 0 ? rest : null);
                  }}
                >
                  Remove
                </button>
              </li>
            );
          })}
        </ol>
      )}
      <button
        type="button"
        className="button"
        aria-label={`Add a condition to ${subject}`}
        onClick={() => onChange([...list, { property: '', operator: 'eq', value: null }])}
      >
        Add a condition
      </button>
    </fieldset>
  );
}
