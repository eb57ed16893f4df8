import type { PropertyConditionInput, TouchpointMatchInput } from '../../gql/graphql';
import { Field, FieldIssues } from '../../components/Field';
import { JsonValueInput } from '../../components/JsonValueInput';
import { ListInput } from '../../components/ListInput';

/** The messages at a path of the model (and inside it). */
export type IssuesAt = (path: string) => string[];

/** The types, channels and "from the Nth" of what a rule or the win-back policy matches; `path` is its `when`. */
export function MatchFields({
  match,
  path,
  at,
  onChange,
}: {
  match: TouchpointMatchInput;
  path: string;
  at: IssuesAt;
  onChange: (match: TouchpointMatchInput) => void;
}) {
  return (
    <>
      <Field label="Touchpoint types" issues={at(`${path}.types`)}>
        <ListInput label="Touchpoint types" placeholder="any" value={match.types} onChange={(types) => onChange({ ...match, types })} />
      </Field>
      <Field label="Channels" issues={at(`${path}.channels`)}>
        <ListInput label="Channels" placeholder="any" value={match.channels} onChange={(channels) => onChange({ ...match, channels })} />
      </Field>
      <Field label="From the Nth" issues={at(`${path}.minCount`)}>
        <input
          className="field__input"
          inputMode="numeric"
          placeholder="1"
          value={match.minCount ?? ''}
          onChange={(event) => onChange({ ...match, minCount: event.target.value === '' ? null : Number(event.target.value) })}
        />
      </Field>
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
export function PropertyConditionsField({
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
  at: IssuesAt;
  only: IssuesAt;
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
            return (
              <li key={index} className="model-editor__condition">
                <Field label="Property" issues={at(`${conditionPath}.property`)}>
                  <input
                    className="field__input"
                    placeholder="e.g. rating or survey.score"
                    value={condition.property}
                    aria-invalid={at(`${conditionPath}.property`).length > 0 || undefined}
                    onChange={(event) => setCondition(index, { property: event.target.value })}
                  />
                </Field>
                <Field label="Operator" issues={at(`${conditionPath}.operator`)}>
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
                </Field>
                <Field label="Value" issues={at(`${conditionPath}.value`)}>
                  <JsonValueInput
                    label="Value"
                    value={condition.value}
                    disabled={condition.operator === 'exists'}
                    invalid={at(`${conditionPath}.value`).length > 0}
                    onChange={(value) => setCondition(index, { value })}
                  />
                </Field>
                <button
                  type="button"
                  className="button button--quiet"
                  aria-label={`Remove condition ${index + 1} of ${subject}`}
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
