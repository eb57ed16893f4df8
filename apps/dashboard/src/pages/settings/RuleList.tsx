import type { LifecycleModelInput, TransitionRuleInput } from '../../gql/graphql';
import { Field, FieldIssues } from '../../components/Field';
import { ListInput } from '../../components/ListInput';
import { MatchFields, PropertyConditionsField } from './MatchFields';
import type { IssuesAt } from './MatchFields';

type RuleListProps = {
  draft: LifecycleModelInput;
  /** Every stage a rule may move to: the funnel's, then at-risk and churned. */
  stageOptions: ReadonlyArray<{ key: string; name: string }>;
  at: IssuesAt;
  only: IssuesAt;
  onChange: (draft: LifecycleModelInput) => void;
};

/** The transition rules: what each matches, from which stages, and where it moves a customer. */
export function RuleList({ draft, stageOptions, at, only, onChange }: RuleListProps) {
  const setRules = (rules: TransitionRuleInput[]) => onChange({ ...draft, rules });
  return (
    <fieldset className="clm-fieldset">
      <legend>Rules: a touchpoint moves a customer when it matches</legend>
      <FieldIssues messages={only('rules')} />
      <ol className="model-editor__list">
        {draft.rules.map((rule, index) => {
          const path = `rules[${index}]`;
          const set = (change: Partial<TransitionRuleInput>) =>
            setRules(draft.rules.map((other, position) => (position === index ? { ...other, ...change } : other)));
          return (
            <li key={index} className="model-editor__item model-editor__item--rule">
              <Field label="Rule id" issues={at(`${path}.id`)}>
                <input className="field__input" value={rule.id} onChange={(event) => set({ id: event.target.value })} />
              </Field>
              <MatchFields match={rule.when} path={`${path}.when`} at={at} onChange={(when) => set({ when })} />
              <Field label="Only from stages" issues={at(`${path}.from`)}>
                <ListInput label="Only from stages" placeholder="any stage" value={rule.from} onChange={(from) => set({ from })} />
              </Field>
              <Field label="Moves to" issues={at(`${path}.to`)}>
                <select className="field__input" value={rule.to} onChange={(event) => set({ to: event.target.value })}>
                  {!stageOptions.some((stage) => stage.key === rule.to) && <option value={rule.to}>{rule.to || '(none)'}</option>}
                  {stageOptions.map((stage) => (
                    <option key={stage.key} value={stage.key}>
                      {stage.name}
                    </option>
                  ))}
                </select>
              </Field>
              <PropertyConditionsField
                conditions={rule.when.conditions}
                path={`${path}.when`}
                subject={`rule ${rule.id}`}
                at={at}
                only={only}
                onChange={(conditions) => set({ when: { ...rule.when, conditions } })}
              />
              <button
                type="button"
                className="button button--quiet"
                aria-label={`Remove rule ${rule.id}`}
                onClick={() => setRules(draft.rules.filter((_, position) => position !== index))}
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
          setRules([
            ...draft.rules,
            { id: `rule-${draft.rules.length + 1}`, description: '', from: null, to: draft.stages[0]?.key ?? '', when: { types: null } },
          ])
        }
      >
        Add a rule
      </button>
    </fieldset>
  );
}
