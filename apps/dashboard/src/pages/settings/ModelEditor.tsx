import { useMutation } from '@apollo/client/react';
import { SetLifecycleModelDocument } from '../../gql/graphql';
import type { LifecycleModelInput } from '../../gql/graphql';
import { Field } from '../../components/Field';
import { apiErrorMessage } from '../../lib/api-errors';
import { plural } from '../../lib/format';
import { MatchFields, PropertyConditionsField } from './MatchFields';
import { issuesAt } from './model-draft';
import { RuleList } from './RuleList';
import { StageList } from './StageList';
import { useModelValidation } from './useModelValidation';

const OFF_PATH = [
  { key: 'at-risk', name: 'At risk' },
  { key: 'churned', name: 'Churned' },
];

type ModelEditorProps = {
  draft: LifecycleModelInput;
  onChange: (draft: LifecycleModelInput) => void;
  onClose: () => void;
};

/** The whole lifecycle model as a form, checked by the API as it is edited; saved in one call. */
export function ModelEditor({ draft, onChange, onClose }: ModelEditorProps) {
  const [save, saving] = useMutation(SetLifecycleModelDocument, { refetchQueries: ['LifecycleSettings', 'CustomerFilterOptions'] });
  const { issues, valid, checking, error } = useModelValidation(draft, saving.error);
  const at = (path: string) => issuesAt(issues, path);
  const only = (path: string) => issues.filter((issue) => issue.path === path).map((issue) => issue.message);
  const stageOptions = [...draft.stages.map((stage) => ({ key: stage.key, name: stage.name || stage.key })), ...OFF_PATH];
  const stageChoices = draft.stages.map((stage, index) => (
    <option key={index} value={stage.key}>
      {stage.name || stage.key}
    </option>
  ));

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
        <Field label="Model name" issues={at('name')}>
          <input
            className="field__input"
            value={draft.name}
            aria-invalid={at('name').length > 0 || undefined}
            onChange={(event) => onChange({ ...draft, name: event.target.value })}
          />
        </Field>
        <Field label="Description">
          <input
            className="field__input"
            value={draft.description ?? ''}
            onChange={(event) => onChange({ ...draft, description: event.target.value })}
          />
        </Field>
      </div>

      <StageList draft={draft} at={at} only={only} onChange={onChange} />

      <div className="clm-form__row">
        <Field label="Acquired at" issues={at('acquiredStage')}>
          <select
            className="field__input"
            value={draft.acquiredStage ?? ''}
            onChange={(event) => onChange({ ...draft, acquiredStage: event.target.value || null })}
          >
            <option value="">(the first stage a purchase reaches)</option>
            {stageChoices}
          </select>
        </Field>
        <Field label="Inactivity sweep from" issues={at('inactivity.fromStage')}>
          <select
            className="field__input"
            value={draft.inactivity.fromStage}
            onChange={(event) => onChange({ ...draft, inactivity: { ...draft.inactivity, fromStage: event.target.value } })}
          >
            {stageChoices}
          </select>
        </Field>
        <DaysField
          label="At risk after (days)"
          value={draft.inactivity.atRiskAfterDays}
          issues={at('inactivity.atRiskAfterDays')}
          onChange={(atRiskAfterDays) => onChange({ ...draft, inactivity: { ...draft.inactivity, atRiskAfterDays } })}
        />
        <DaysField
          label="Churned after (days)"
          value={draft.inactivity.churnedAfterDays}
          issues={at('inactivity.churnedAfterDays')}
          onChange={(churnedAfterDays) => onChange({ ...draft, inactivity: { ...draft.inactivity, churnedAfterDays } })}
        />
      </div>

      <RuleList draft={draft} stageOptions={stageOptions} at={at} only={only} onChange={onChange} />

      <fieldset className="clm-fieldset">
        <legend>Win-back: an at-risk or churned customer returns when a touchpoint matches</legend>
        <div className="model-editor__item">
          <MatchFields
            match={draft.winBack.when}
            path="winBack.when"
            at={at}
            onChange={(when) => onChange({ ...draft, winBack: { ...draft.winBack, when } })}
          />
          <Field label="Win-back moves to" issues={at('winBack.to')}>
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
              {stageChoices}
            </select>
          </Field>
          <PropertyConditionsField
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
        {error ? (
          <span className="field__error">{apiErrorMessage(error)}</span>
        ) : checking ? (
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

function DaysField({
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
    <Field label={label} issues={issues}>
      <input
        className="field__input"
        type="number"
        min={1}
        value={Number.isFinite(value) ? value : ''}
        aria-invalid={issues.length > 0 || undefined}
        onChange={(event) => onChange(event.target.value === '' ? Number.NaN : Number(event.target.value))}
      />
    </Field>
  );
}
