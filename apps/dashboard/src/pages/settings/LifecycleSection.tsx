import { useMutation, useQuery } from '@apollo/client/react';
import { useEffect, useMemo, useState } from 'react';
import { LifecycleSettingsDocument, SetLifecycleModelDocument, ValidateLifecycleModelDocument } from '../../gql/graphql';
import type { LifecycleModelFieldsFragment, LifecycleModelInput, StageInput, TransitionRuleInput } from '../../gql/graphql';
import { apiErrorMessage, ErrorState, LoadingState } from '../customers/shared/PageStates';
import { plural } from '../customers/shared/format';
import { FieldIssues, ListInput } from './FieldIssues';
import { issuesAt, keyFromName, modelToInput } from './model-draft';
import { issuesOf } from '../segments/useSegmentPreview';

const VALIDATE_DEBOUNCE_MS = 400;
const OFF_PATH = [
  { key: 'at-risk', name: 'At risk' },
  { key: 'churned', name: 'Churned' },
];

/** The lifecycle model: apply a preset, or edit stages and rules with the API's validation beside each field. */
export function LifecycleSection({ isAdmin }: { isAdmin: boolean }) {
  const { data, loading, error } = useQuery(LifecycleSettingsDocument);
  const [draft, setDraft] = useState<LifecycleModelInput | null>(null);

  if (error) return <ErrorState error={error} />;
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
                <label className="field">
                  <span className="field__label">Touchpoint types</span>
                  <ListInput
                    label="Touchpoint types"
                    placeholder="any"
                    value={rule.when.types}
                    onChange={(types) => setRule(index, { when: { ...rule.when, types } })}
                  />
                  <FieldIssues messages={at(`${path}.when.types`)} />
                </label>
                <label className="field">
                  <span className="field__label">Channels</span>
                  <ListInput
                    label="Channels"
                    placeholder="any"
                    value={rule.when.channels}
                    onChange={(channels) => setRule(index, { when: { ...rule.when, channels } })}
                  />
                  <FieldIssues messages={at(`${path}.when.channels`)} />
                </label>
                <label className="field">
                  <span className="field__label">From the Nth</span>
                  <input
                    className="field__input"
                    inputMode="numeric"
                    placeholder="1"
                    value={rule.when.minCount ?? ''}
                    onChange={(event) =>
                      setRule(index, { when: { ...rule.when, minCount: event.target.value === '' ? null : Number(event.target.value) } })
                    }
                  />
                  <FieldIssues messages={at(`${path}.when.minCount`)} />
                </label>
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
                {rule.when.conditions?.length ? (
                  <p className="muted clm-small">
                    and {plural(rule.when.conditions.length, 'property condition')} (kept):{' '}
                    {rule.when.conditions
                      .map((condition) => `${condition.property} ${condition.operator} ${JSON.stringify(condition.value)}`)
                      .join('; ')}
                  </p>
                ) : null}
                <FieldIssues messages={at(`${path}.when.conditions`)} />
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
  model.rules.forEach((rule, index) => {
    const minCount = rule.when.minCount;
    if (minCount !== null && minCount !== undefined && !Number.isInteger(minCount))
      issues.push({ path: `rules[${index}].when.minCount`, message: 'Give a whole number, or leave it empty for the first.' });
  });
  return issues;
}
