import { useQuery } from '@apollo/client/react';
import { useState } from 'react';
import { LifecycleSettingsDocument } from '../../gql/graphql';
import type { LifecycleModelInput } from '../../gql/graphql';
import { ApiErrorState, LoadingState } from '../../components/States';
import { plural } from '../../lib/format';
import { ModelEditor } from './ModelEditor';
import { modelToInput } from './model-draft';
import { PresetPicker } from './PresetPicker';

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
