import { useId } from 'react';
import type { SegmentOperator } from '../gql/graphql';
import {
  BEHAVIOUR_OPERATORS,
  FIELDS,
  fieldKind,
  JSON_OPERATORS,
  newCondition,
  newGroup,
  newPropertyFilter,
  OPERATOR_LABELS,
  operatorsFor,
} from '../lib/rule-model';
import type { BehaviourNode, BehaviourWindow, ConditionKind, GroupNode, PropertyFilter, RuleNode } from '../lib/rule-model';

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

const CONDITION_KINDS: readonly ConditionKind[] = ['field', 'attribute', 'behaviour', 'acquisition'];

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
  const editGroup = (edit: (node: GroupNode) => GroupNode) =>
    props.onChange(group.id, (node) => (node.kind === 'group' ? edit(node) : node));
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
            onChange={(event) => editGroup((node) => ({ ...node, combinator: event.target.value === 'or' ? 'or' : 'and' }))}
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
        {CONDITION_KINDS.map((kind) => (
          <button
            key={kind}
            type="button"
            className="button button--quiet"
            onClick={() => editGroup((node) => ({ ...node, children: [...node.children, newCondition(kind)] }))}
          >
            + {CONDITION_LABELS[kind]}
          </button>
        ))}
        {depth < 15 && (
          <button
            type="button"
            className="button button--quiet"
            onClick={() =>
              editGroup((node) => ({
                ...node,
                children: [...node.children, newGroup(node.combinator === 'and' ? 'or' : 'and', [newCondition('field')])],
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
              onChange={(chosen) => {
                const field = FIELDS.find((option) => option.field === chosen)?.field ?? node.field;
                const operators = operatorsFor(field);
                set({
                  field,
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
            <OperatorSelect value={node.operator} operators={JSON_OPERATORS} onChange={(operator) => set({ operator })} />
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
        {node.kind === 'behaviour' && <BehaviourFields node={node} options={options} set={set} />}
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
              placeholder={campaignPlaceholder(options)}
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

const WINDOWS: ReadonlyArray<readonly [BehaviourWindow, string]> = [
  ['all', 'at any time'],
  ['within', 'in the last … days'],
  ['between', 'between dates'],
];

/**
 * A behaviour condition: which touchpoints (types, channels, campaigns,
 * property filters), when (any time, the last N days, or between two
 * instants), and what is compared (their number or the sum of their value).
 */
function BehaviourFields({
  node,
  options,
  set,
}: {
  node: BehaviourNode;
  options: RuleBuilderOptions;
  set: (change: Partial<BehaviourNode>) => void;
}) {
  const setFilter = (id: string, change: Partial<PropertyFilter> | null) =>
    set({
      properties: node.properties.flatMap((filter) => (filter.id !== id ? [filter] : change === null ? [] : [{ ...filter, ...change }])),
    });
  return (
    <div className="rule-behaviour">
      <div className="rule-row">
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
          placeholder="any, or purchase, signup"
          value={node.types}
          onChange={(types) => set({ types })}
        />
        <TextInput label="Channels" placeholder="any, or web, email" value={node.channels} onChange={(channels) => set({ channels })} />
        <TextInput
          label="Campaigns"
          placeholder={`any, or ${campaignPlaceholder(options)}`}
          value={node.campaigns}
          onChange={(campaigns) => set({ campaigns })}
        />
      </div>
      <div className="rule-row">
        <Select
          label="When"
          value={node.window}
          options={WINDOWS}
          onChange={(window) => set({ window: WINDOWS.find(([key]) => key === window)?.[0] ?? 'all' })}
        />
        {node.window === 'within' && (
          <TextInput label="Days" short value={node.withinDays} inputMode="numeric" onChange={(withinDays) => set({ withinDays })} />
        )}
        {node.window === 'between' && (
          <>
            <TextInput label="From (UTC)" placeholder="2026-11-01" value={node.from} onChange={(from) => set({ from })} />
            <TextInput label="Before (UTC)" placeholder="2026-12-01" value={node.to} onChange={(to) => set({ to })} />
          </>
        )}
        <OperatorSelect value={node.operator} operators={BEHAVIOUR_OPERATORS} onChange={(operator) => set({ operator })} />
        <TextInput label="Amount" short value={node.value} inputMode="decimal" onChange={(value) => set({ value })} />
      </div>
      <ul className="rule-properties" aria-label="Property filters">
        {node.properties.map((filter, index) => (
          <li key={filter.id}>
            <div className="rule-row" role="group" aria-label={`Property filter ${index + 1}`}>
              <TextInput
                label="Property"
                placeholder="rating or survey.score"
                value={filter.property}
                onChange={(property) => setFilter(filter.id, { property })}
              />
              <Select
                label="Compare"
                value={filter.operator}
                options={JSON_OPERATORS.map((operator) => [operator, OPERATOR_LABELS[operator]])}
                onChange={(operator) => setFilter(filter.id, { operator: JSON_OPERATORS.find((known) => known === operator) ?? 'EQ' })}
              />
              {filter.operator !== 'EXISTS' && (
                <TextInput
                  label="Value"
                  placeholder={filter.operator === 'IN' ? 'gold, silver' : '4, true or "text"'}
                  value={filter.value}
                  onChange={(value) => setFilter(filter.id, { value })}
                />
              )}
              <button
                type="button"
                className="button button--quiet rule-remove"
                aria-label={`Remove property filter ${index + 1}`}
                onClick={() => setFilter(filter.id, null)}
              >
                ×
              </button>
            </div>
          </li>
        ))}
      </ul>
      <button type="button" className="button button--quiet" onClick={() => set({ properties: [...node.properties, newPropertyFilter()] })}>
        + Property filter
      </button>
    </div>
  );
}

function campaignPlaceholder(options: RuleBuilderOptions): string {
  return options.campaigns.length
    ? options.campaigns
        .map((campaign) => campaign.key)
        .slice(0, 2)
        .join(', ')
    : 'campaign keys';
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
      onChange={(chosen) => onChange(operators.find((operator) => operator === chosen) ?? value)}
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
  const id = useId();
  return (
    <span className="rule-field">
      <label className="rule-field__label" htmlFor={id}>
        {label}
      </label>
      <select id={id} className="field__input rule-input" value={value} onChange={(event) => onChange(event.target.value)}>
        {options.map(([optionValue, optionLabel]) => (
          <option key={optionValue} value={optionValue}>
            {optionLabel}
          </option>
        ))}
      </select>
    </span>
  );
}

function TextInput({
  label,
  value,
  placeholder,
  inputMode,
  short = false,
  onChange,
}: {
  label: string;
  value: string;
  placeholder?: string;
  inputMode?: 'numeric' | 'decimal';
  /** A narrow box, for a number of days or an amount. */
  short?: boolean;
  onChange: (value: string) => void;
}) {
  const id = useId();
  return (
    <span className="rule-field">
      <label className="rule-field__label" htmlFor={id}>
        {label}
      </label>
      <input
        id={id}
        className={`field__input rule-input${short ? ' rule-input--short' : ''}`}
        placeholder={placeholder}
        inputMode={inputMode}
        value={value}
        onChange={(event) => onChange(event.target.value)}
      />
    </span>
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
