import type { LifecycleModelInput } from '../../gql/graphql';
import { Field, FieldIssues } from '../../components/Field';
import { keyFromName } from './model-draft';
import type { IssuesAt } from './MatchFields';

type StageListProps = {
  draft: LifecycleModelInput;
  at: IssuesAt;
  only: IssuesAt;
  onChange: (draft: LifecycleModelInput) => void;
};

/** The funnel stages in order: name, key, move up or down, remove; and a button that adds one. */
export function StageList({ draft, at, only, onChange }: StageListProps) {
  const setStages = (stages: LifecycleModelInput['stages']) => onChange({ ...draft, stages });
  const move = (index: number, by: number) => {
    const stages = [...draft.stages];
    const [stage] = stages.splice(index, 1);
    stages.splice(index + by, 0, stage);
    setStages(stages);
  };
  return (
    <fieldset className="clm-fieldset">
      <legend>Funnel stages, in order</legend>
      <FieldIssues messages={only('stages')} />
      <ol className="model-editor__list">
        {draft.stages.map((stage, index) => {
          const set = (change: Partial<typeof stage>) =>
            setStages(draft.stages.map((other, position) => (position === index ? { ...other, ...change } : other)));
          const named = stage.name || 'stage';
          return (
            <li key={index} className="model-editor__item">
              <Field label="Name" issues={at(`stages[${index}].name`)}>
                <input
                  className="field__input"
                  value={stage.name}
                  aria-invalid={at(`stages[${index}].name`).length > 0 || undefined}
                  onChange={(event) => set({ name: event.target.value })}
                />
              </Field>
              <Field label="Key" issues={at(`stages[${index}].key`)}>
                <input
                  className="field__input"
                  value={stage.key}
                  aria-invalid={at(`stages[${index}].key`).length > 0 || undefined}
                  onChange={(event) => set({ key: event.target.value })}
                />
              </Field>
              <div className="clm-actions">
                <button
                  type="button"
                  className="button button--quiet"
                  aria-label={`Move ${named} up`}
                  disabled={index === 0}
                  onClick={() => move(index, -1)}
                >
                  ↑
                </button>
                <button
                  type="button"
                  className="button button--quiet"
                  aria-label={`Move ${named} down`}
                  disabled={index === draft.stages.length - 1}
                  onClick={() => move(index, 1)}
                >
                  ↓
                </button>
                <button
                  type="button"
                  className="button button--quiet"
                  aria-label={`Remove ${named}`}
                  onClick={() => setStages(draft.stages.filter((_, position) => position !== index))}
                >
                  Remove
                </button>
              </div>
            </li>
          );
        })}
      </ol>
      <button
        type="button"
        className="button"
        onClick={() => {
          const name = `Stage ${draft.stages.length + 1}`;
          setStages([...draft.stages, { key: keyFromName(name), name, description: '' }]);
        }}
      >
        Add a stage
      </button>
    </fieldset>
  );
}
