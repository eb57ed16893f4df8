import type { SegmentField, SegmentOperator } from '../../gql/graphql';
import {
  ATTRIBUTE_OPERATORS,
  BEHAVIOUR_OPERATORS,
  FIELDS,
  fieldKind,
  newCondition,
  newGroup,
  OPERATOR_LABELS,
  operatorsFor,
} from './rule-model';
import type { ConditionKind, GroupNode, RuleNode } from './rule-model';

export type RuleBuilderOptions = {
  stages: ReadonlyArray<{ key: string; name: string }>;
  campaigns: ReadonlyArray<{ key: string; name: string }>;
};

type RuleBuilderProps = {
  root: GroupNode;
  options: RuleBuilderOptions;
  /** Problems per node id, from the builder's own checks and from the API's issues. */
  problems: ReadonlyMap<string, string[]>;
  readOnly: boolean;
  onChange: (id: string, update: (node: RuleNode) => RuleNode | null) => void;
};

const CONDITION_LABELS: Record<ConditionKind, string> = {
  field: 'Customer field',
  attribute: 'Attribute',
  behaviour: 'Behaviour',
  acquisition: 'Acquisition',
};

/** The rule as nested and/or groups of conditions; any group or condition can be negated. */
export function RuleBuilder(props: RuleBuilderProps) {
  return (
    <fieldset className="rule-builder" disabled={props.readOnly}>
      <legend className="visually-hidden">Rule</legend>
      <GroupEditor {...props} group={props.root} depth={0} />
    </fieldset>
  );
}

function GroupEditor({ group, depth, ...props }: RuleBuilderProps & { group: GroupNode; depth: number }) {
  const label = depth === 0 ? 'Customers matching' : 'Group';
  return (
    <div
      className={`rule-group rule-group--depth-${depth % 3}`}
      role="group"
      aria-label={`${label}: ${group.combinator === 'and' ? 'all' : 'any'} of`}
    >
      <div className="rule-row">
        <label className="rule-inline">
          <span>{label}</span>
          <select
            className="field__input"
            aria-label="Combine conditions with"
            value={group.combinator}
            onChange={(event) =>
              props.onChange(group.id, (node) => ({ ...node, combinator: event.target.value === 'or' ? 'or' : 'and' }) as GroupNode)
            }
          >
            <option value="and">all of (and)</option>
            <option value="or">any of (or)</option>
          </select>
        </label>
        <NotToggle node={group} onChange={props.onChange} />
        {depth > 0 && <RemoveButton node={group} onChange={props.onChange} />}
      </div>
      <Problems id={group.id} problems={props.problems} />
      <ul className="rule-children">
        {group.children.map((child) => (
          <li key={child.id}>
            {child.kind === 'group' ? (
              <GroupEditor {...props} group={child} depth={depth + 1} />
            ) : (
              <ConditionEditor {...props} root={props.root} node={child} />
            )}
          </li>
        ))}
      </ul>
      {group.children.length === 0 && <p className="muted clm-small">No conditions: every customer matches.</p>}
      <div className="rule-row rule-row--add">
        {(Object.keys(CONDITION_LABELS) as ConditionKind[]).map((kind) => (
          <button
            key={kind}
            type="button"
            className="button button--quiet"
            onClick={() =>
              props.onChange(group.id, (node) => ({
                ...(node as GroupNode),
                children: [...(node as GroupNode).children, newCondition(kind)],
              }))
            }
          >
            + {CONDITION_LABELS[kind]}
          </button>
        ))}
        {depth < 15 && (
          <button
            type="button"
            className="button button--quiet"
            onClick={() =>
              props.onChange(group.id, (node) => ({
                ...(node as GroupNode),
                children: [...(node as GroupNode).children, newGroup(group.combinator === 'and' ? 'or' : 'and', [newCondition('field')])],
              }))
            }
          >
            + Group
          </button>
        )}
      </div>
    </div>
  );
}

function ConditionEditor({ node, options, problems, onChange }: RuleBuilderProps & { node: Exclude<RuleNode, GroupNode> }) {
  const set = (change: Partial<RuleNode>) => onChange(node.id, (current) => ({ ...current, ...change }) as RuleNode);
  return (
    <div className="rule-condition" role="group" aria-label={CONDITION_LABELS[node.kind]}>
      <div className="rule-row">
        <span className="rule-condition__kind">{CONDITION_LABELS[node.kind]}</span>
        {node.kind === 'field' && (
          <>
            <Select
              label="Field"
              value={node.field}
              options={FIELDS.map((option) => [option.field, option.label])}
              onChange={(field) => {
                const operators = operatorsFor(field as SegmentField);
                set({
                  field: field as SegmentField,
                  operator: operators.includes(node.operator) ? node.operator : operators[0],
                  value: '',
                });
              }}
            />
            <OperatorSelect value={node.operator} operators={operatorsFor(node.field)} onChange={(operator) => set({ operator })} />
            {node.operator !== 'EXISTS' && <FieldValue node={node} options={options} onChange={(value) => set({ value })} />}
          </>
        )}
        {node.kind === 'attribute' && (
          <>
            <TextInput label="Attribute name" placeholder="plan" value={node.name} onChange={(name) => set({ name })} />
            <OperatorSelect value={node.operator} operators={ATTRIBUTE_OPERATORS} onChange={(operator) => set({ operator })} />
            {node.operator !== 'EXISTS' && (
              <TextInput
                label="Value"
                placeholder={node.operator === 'IN' ? 'pro, business' : 'pro'}
                value={node.value}
                onChange={(value) => set({ value })}
              />
            )}
          </>
        )}
        {node.kind === 'behaviour' && (
          <>
            <Select
              label="Measure"
              value={node.aggregate}
              options={[
                ['COUNT', 'number of'],
                ['SUM', 'sum of value of'],
              ]}
              onChange={(aggregate) => set({ aggregate: aggregate === 'SUM' ? 'SUM' : 'COUNT' })}
            />
            <TextInput
              label="Touchpoint types"
              placeholder="purchase, signup (any when empty)"
              value={node.types}
              onChange={(types) => set({ types })}
            />
            <TextInput label="Channels" placeholder="any" value={node.channels} onChange={(channels) => set({ channels })} />
            <TextInput
              label="In the last (days)"
              placeholder="all time"
              value={node.withinDays}
              inputMode="numeric"
              onChange={(withinDays) => set({ withinDays })}
            />
            <OperatorSelect value={node.operator} operators={BEHAVIOUR_OPERATORS} onChange={(operator) => set({ operator })} />
            <TextInput label="Amount" value={node.value} inputMode="decimal" onChange={(value) => set({ value })} />
          </>
        )}
        {node.kind === 'acquisition' && (
          <>
            <Select
              label="Credited to"
              value={node.touch}
              options={[
                ['ACQUIRING', 'the acquiring touchpoint'],
                ['FIRST', 'the first touchpoint'],
              ]}
              onChange={(touch) => set({ touch: touch === 'FIRST' ? 'FIRST' : 'ACQUIRING' })}
            />
            <TextInput
              label="Channels"
              placeholder="any (acquired at all)"
              value={node.channels}
              onChange={(channels) => set({ channels })}
            />
            <TextInput
              label="Campaigns"
              placeholder={
                options.campaigns.length
                  ? options.campaigns
                      .map((campaign) => campaign.key)
                      .slice(0, 2)
                      .join(', ')
                  : 'campaign keys'
              }
              value={node.campaigns}
              onChange={(campaigns) => set({ campaigns })}
            />
          </>
        )}
        <NotToggle node={node} onChange={onChange} />
        <RemoveButton node={node} onChange={onChange} />
      </div>
      <Problems id={node.id} problems={problems} />
    </div>
  );
}

function FieldValue({
  node,
  options,
  onChange,
}: {
  node: Extract<RuleNode, { kind: 'field' }>;
  options: RuleBuilderOptions;
  onChange: (value: string) => void;
}) {
  const kind = fieldKind(node.field);
  if (kind === 'text' && node.operator !== 'IN' && node.operator !== 'CONTAINS') {
    const stages = [...options.stages, { key: 'at-risk', name: 'At risk' }, { key: 'churned', name: 'Churned' }];
    return (
      <Select
        label="Stage"
        value={node.value}
        options={[['', 'Choose a stage'], ...stages.map((stage): [string, string] => [stage.key, stage.name])]}
        onChange={onChange}
      />
    );
  }
  const placeholder = {
    text: node.operator === 'IN' ? 'awareness, acquisition' : 'text',
    number: node.operator === 'IN' ? '1, 2, 3' : 'a number',
    time: 'YYYY-MM-DD or an ISO date-time',
    duration: 'days',
  }[kind];
  return (
    <TextInput
      label="Value"
      placeholder={placeholder}
      value={node.value}
      inputMode={kind === 'number' || kind === 'duration' ? 'decimal' : undefined}
      onChange={onChange}
    />
  );
}

function OperatorSelect({
  value,
  operators,
  onChange,
}: {
  value: SegmentOperator;
  operators: readonly SegmentOperator[];
  onChange: (operator: SegmentOperator) => void;
}) {
  return (
    <Select
      label="Operator"
      value={value}
      options={operators.map((operator) => [operator, OPERATOR_LABELS[operator]])}
      onChange={(operator) => onChange(operator as SegmentOperator)}
    />
  );
}

function Select({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: string;
  options: ReadonlyArray<readonly [string, string]>;
  onChange: (value: string) => void;
}) {
  return (
    <select
      className="field__input rule-input"
      aria-label={label}
      title={label}
      value={value}
      onChange={(event) => onChange(event.target.value)}
    >
      {options.map(([optionValue, optionLabel]) => (
        <option key={optionValue} value={optionValue}>
          {optionLabel}
        </option>
      ))}
    </select>
  );
}

function TextInput({
  label,
  value,
  placeholder,
  inputMode,
  onChange,
}: {
  label: string;
  value: string;
  placeholder?: string;
  inputMode?: 'numeric' | 'decimal';
  onChange: (value: string) => void;
}) {
  return (
    <input
      className="field__input rule-input"
      aria-label={label}
      title={label}
      placeholder={placeholder}
      inputMode={inputMode}
      value={value}
      onChange={(event) => onChange(event.target.value)}
    />
  );
}

function NotToggle({ node, onChange }: { node: RuleNode; onChange: RuleBuilderProps['onChange'] }) {
  return (
    <label className="rule-inline rule-not">
      <input
        type="checkbox"
        checked={node.negated}
        onChange={(event) => onChange(node.id, (current) => ({ ...current, negated: event.target.checked }))}
      />
      <span>not</span>
    </label>
  );
}

function RemoveButton({ node, onChange }: { node: RuleNode; onChange: RuleBuilderProps['onChange'] }) {
  return (
    <button
      type="button"
      className="button button--quiet rule-remove"
      aria-label={node.kind === 'group' ? 'Remove this group' : 'Remove this condition'}
      onClick={() => onChange(node.id, () => null)}
    >
      ×
    </button>
  );
}

function Problems({ id, problems }: { id: string; problems: ReadonlyMap<string, string[]> }) {
  const messages = problems.get(id);
  if (!messages?.length) return null;
  return (
    <ul className="rule-problems" role="alert">
      {messages.map((message) => (
        <li key={message}>{message}</li>
      ))}
    </ul>
  );
}
