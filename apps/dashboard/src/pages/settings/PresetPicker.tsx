import { useMutation } from '@apollo/client/react';
import { useState } from 'react';
import { SetLifecycleModelDocument } from '../../gql/graphql';
import type { LifecycleModelFieldsFragment } from '../../gql/graphql';
import { Field } from '../../components/Field';
import { apiErrorMessage } from '../../lib/api-errors';

/** Replaces the model with one of the API's presets, after a confirmation. */
export function PresetPicker({ presets, current }: { presets: readonly LifecycleModelFieldsFragment[]; current: string }) {
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
      <Field label="Preset">
        <select className="field__input" value={preset} onChange={(event) => setPreset(event.target.value)}>
          <option value="">Choose a preset</option>
          {presets.map((option) => (
            <option key={option.name} value={option.name}>
              {option.name}: {option.stages.map((stage) => stage.name).join(' → ')}
            </option>
          ))}
        </select>
      </Field>
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
