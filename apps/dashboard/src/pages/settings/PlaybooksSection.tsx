import { useMutation, useQuery } from '@apollo/client/react';
import { useMemo, useState } from 'react';
import type { FormEvent } from 'react';
import { CreatePlaybookDocument, DeletePlaybookDocument, PlaybooksDocument, UpdatePlaybookDocument } from '../../gql/graphql';
import type { PlaybooksQuery, PlaybookTriggerKind } from '../../gql/graphql';
import { ApiErrorState, EmptyState, LoadingState } from '../../components/States';
import { TableScroll } from '../../components/TableScroll';
import { apiErrorMessage, issuesOf } from '../../lib/api-errors';
import { formatCount, formatPercent, plural } from '../../lib/format';
import { RuleBuilder } from '../../components/RuleBuilder';
import { compileRule, newRule, parseRule, updateNode } from '../../lib/rule-model';
import type { GroupNode, RuleNode } from '../../lib/rule-model';
import { issuesAt } from './model-draft';
import { describeTrigger, draftFromPreset, draftProblems, draftToInput, emptyDraft, KIND_FIELDS, TRIGGER_KINDS } from './playbook-draft';
import type { PlaybookDraft } from './playbook-draft';

type Playbook = PlaybooksQuery['playbooks'][number];
type Options = {
  stages: ReadonlyArray<{ key: string; name: string }>;
  segments: ReadonlyArray<{ id: string; name: string }>;
  campaigns: ReadonlyArray<{ key: string; name: string }>;
};

/** What the builder edits: a new playbook (maybe from a preset) or an existing one. */
type Editing = { id: string | null; draft: PlaybookDraft; condition: GroupNode | null };

/**
 * Playbooks with their outcome against the holdout, the presets, and the
 * builder. Admins create, change, turn on and off, and delete; read keys look.
 */
export function PlaybooksSection({ isAdmin }: { isAdmin: boolean }) {
  const { data, loading, error } = useQuery(PlaybooksDocument);
  const [editing, setEditing] = useState<Editing | null>(null);
  const options: Options = {
    stages: [...(data?.lifecycleModel.stages ?? []), { key: 'at-risk', name: 'At-risk' }, { key: 'churned', name: 'Churned' }],
    segments: data?.segments ?? [],
    campaigns: data?.campaigns ?? [],
  };
  return (
    <div className="clm-stack" data-testid="playbooks">
      <p className="muted clm-small">
        A playbook calls your webhooks with <code>playbook.fired</code> when its trigger is met (after the delay, if the trigger and
        condition still hold, at most once per customer per limit). While a playbook is off, customers who meet it are counted as its
        holdout: “reached” is a later stage or a purchase within the outcome window, for those it fired for and for the holdout.
      </p>
      {error && <ApiErrorState error={error} />}
      {loading && !data && <LoadingState label="Loading playbooks…" />}
      {data && data.playbooks.length === 0 && <EmptyState title="No playbooks yet.">Start from a preset below, or build one.</EmptyState>}
      {data && data.playbooks.length > 0 && (
        <PlaybookTable
          playbooks={data.playbooks}
          options={options}
          isAdmin={isAdmin}
          onEdit={(playbook) => setEditing(editingOf(playbook))}
        />
      )}
      {data && <h3 className="clm-card__title">Presets</h3>}
      {data && (
        <div className="clm-grid" aria-label="Presets">
          {data.playbookPresets.map((preset) => (
            <div key={preset.key} className="clm-card" data-testid={`preset-${preset.key}`}>
              <h3 className="clm-card__title">{preset.name}</h3>
              <p className="muted clm-small">{preset.description}</p>
              <p className="clm-small">
                {describeTrigger(preset.trigger, options.stages, options.segments)}
                {preset.delayHours > 0 && `, after ${plural(preset.delayHours, 'hour')}`}; once per {plural(preset.cooldownDays, 'day')}
              </p>
              {preset.inUse ? (
                <p className="clm-success clm-small">In use</p>
              ) : (
                isAdmin && (
                  <button
                    type="button"
                    className="button"
                    onClick={() => setEditing({ id: null, draft: draftFromPreset(preset), condition: null })}
                  >
                    Adjust and turn on
                  </button>
                )
              )}
            </div>
          ))}
        </div>
      )}
      {isAdmin ? (
        editing ? (
          <PlaybookBuilder
            key={editing.id ?? editing.draft.preset ?? 'new'}
            editing={editing}
            options={options}
            onDone={() => setEditing(null)}
          />
        ) : (
          <button
            type="button"
            className="button button--primary"
            onClick={() => setEditing({ id: null, draft: emptyDraft(), condition: null })}
          >
            Build a playbook
          </button>
        )
      ) : (
        <p className="muted">Creating and changing playbooks needs a key with the ADMIN scope.</p>
      )}
    </div>
  );
}

function editingOf(playbook: Playbook): Editing {
  const base = draftFromPreset({ key: playbook.preset ?? '', ...playbook });
  return {
    id: playbook.id,
    draft: {
      ...base,
      preset: playbook.preset ?? null,
      description: playbook.description ?? '',
      enabled: playbook.enabled,
      recheck: playbook.recheck,
    },
    condition: playbook.condition ? parseRule(playbook.condition) : null,
  };
}

function PlaybookTable({
  playbooks,
  options,
  isAdmin,
  onEdit,
}: {
  playbooks: readonly Playbook[];
  options: Options;
  isAdmin: boolean;
  onEdit: (playbook: Playbook) => void;
}) {
  const [update, updating] = useMutation(UpdatePlaybookDocument, { refetchQueries: ['Playbooks'] });
  const [remove, removing] = useMutation(DeletePlaybookDocument, { refetchQueries: ['Playbooks'] });
  const failure = updating.error ?? removing.error;
  return (
    <>
      <TableScroll label="Playbooks">
        <table className="clm-table">
          <caption className="visually-hidden">Playbooks and their outcomes</caption>
          <thead>
            <tr>
              <th scope="col">Playbook</th>
              <th scope="col">Trigger</th>
              <th scope="col" className="clm-table__number">
                Fired
              </th>
              <th scope="col" className="clm-table__number">
                Reached
              </th>
              <th scope="col" className="clm-table__number">
                Holdout
              </th>
              <th scope="col" className="clm-table__number">
                Holdout reached
              </th>
              <th scope="col" className="clm-table__number">
                Lift
              </th>
              <th scope="col" className="clm-table__number">
                Waiting
              </th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {playbooks.map((playbook) => (
              <tr key={playbook.id} data-testid={`playbook-${playbook.name}`}>
                <td>{playbook.name}</td>
                <td>
                  {describeTrigger(playbook.trigger, options.stages, options.segments)}
                  {playbook.delayHours > 0 && `, after ${plural(playbook.delayHours, 'hour')}`}
                  <span className="muted clm-small"> · once per {plural(playbook.cooldownDays, 'day')}</span>
                </td>
                <td className="clm-table__number">{formatCount(playbook.outcome.fired)}</td>
                <td className="clm-table__number">
                  {formatCount(playbook.outcome.firedReached)} ({formatPercent(playbook.outcome.firedRate)})
                </td>
                <td className="clm-table__number">{formatCount(playbook.outcome.heldOut)}</td>
                <td className="clm-table__number">
                  {formatCount(playbook.outcome.heldOutReached)} ({formatPercent(playbook.outcome.heldOutRate)})
                </td>
                <td className="clm-table__number">{formatPercent(playbook.outcome.lift)}</td>
                <td className="clm-table__number" title="Due later, or fired and still inside the outcome window">
                  {formatCount(playbook.outcome.pending + playbook.outcome.open)}
                </td>
                <td>
                  {isAdmin ? (
                    <span className="clm-actions">
                      <button
                        type="button"
                        className="button button--quiet"
                        aria-pressed={playbook.enabled}
                        disabled={updating.loading}
                        onClick={() =>
                          void update({ variables: { id: playbook.id, input: { enabled: !playbook.enabled } } }).catch(() => null)
                        }
                      >
                        {playbook.enabled ? 'On' : 'Off'}
                      </button>
                      <button type="button" className="button button--quiet" onClick={() => onEdit(playbook)}>
                        Edit
                      </button>
                      <button
                        type="button"
                        className="button button--danger"
                        disabled={removing.loading}
                        onClick={() => {
                          if (window.confirm(`Delete the playbook "${playbook.name}"? Its past firings stay on customers' timelines.`))
                            void remove({ variables: { id: playbook.id } }).catch(() => null);
                        }}
                      >
                        Delete
                      </button>
                    </span>
                  ) : playbook.enabled ? (
                    'On'
                  ) : (
                    'Off'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      <p className="muted clm-small">
        Fired and holdout count customers whose outcome window has ended; “Waiting” are due later or still inside their window.
      </p>
      {failure && (
        <p className="field__error" role="alert">
          {apiErrorMessage(failure)}
        </p>
      )}
    </>
  );
}

function PlaybookBuilder({ editing, options, onDone }: { editing: Editing; options: Options; onDone: () => void }) {
  const [draft, setDraft] = useState(editing.draft);
  const [condition, setCondition] = useState<GroupNode | null>(editing.condition);
  const [create, creating] = useMutation(CreatePlaybookDocument, { refetchQueries: ['Playbooks'] });
  const [update, updating] = useMutation(UpdatePlaybookDocument, { refetchQueries: ['Playbooks'] });
  const compiled = useMemo(() => (condition ? compileRule(condition) : null), [condition]);
  const local = draftProblems(draft);
  const failure = creating.error ?? updating.error;
  const issues = [...local, ...issuesOf(failure)];
  const set = (change: Partial<PlaybookDraft>) => setDraft((current) => ({ ...current, ...change }));
  const uses = KIND_FIELDS[draft.kind];
  const conditionProblems = useMemo(() => {
    const byNode = new Map<string, string[]>();
    for (const problem of compiled?.problems ?? []) byNode.set(problem.nodeId, [...(byNode.get(problem.nodeId) ?? []), problem.message]);
    return byNode;
  }, [compiled]);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (local.length > 0 || (compiled && compiled.problems.length > 0)) return;
    const input = draftToInput(draft, compiled?.rule ?? null);
    if (editing.id === null) {
      const result = await create({ variables: { input } }).catch(() => null);
      if (result?.data) onDone();
    } else {
      // Everything but the preset, which stays; no condition clears the stored one.
      const { name, description, enabled, trigger, delayHours, recheck, condition: rule, cooldownDays, outcomeDays } = input;
      const changes = {
        name,
        description,
        enabled,
        trigger,
        delayHours,
        recheck,
        condition: rule,
        clearCondition: rule == null,
        cooldownDays,
        outcomeDays,
      };
      const result = await update({ variables: { id: editing.id, input: changes } }).catch(() => null);
      if (result?.data) onDone();
    }
  };

  const fieldError = (path: string) => {
    const messages = issuesAt(issues, path);
    return messages.length === 0 ? null : (
      <span className="field__error" role="alert">
        {messages.join(' ')}
      </span>
    );
  };

  return (
    <form className="clm-card clm-form" aria-labelledby="playbook-builder" onSubmit={(event) => void save(event)}>
      <h3 id="playbook-builder" className="clm-card__title">
        {editing.id === null ? 'New playbook' : `Change ${editing.draft.name}`}
      </h3>
      <label className="field">
        <span className="field__label">Name</span>
        <input className="field__input" required value={draft.name} onChange={(event) => set({ name: event.target.value })} />
        {fieldError('input.name')}
      </label>
      <label className="field">
        <span className="field__label">Trigger</span>
        <select className="field__input" value={draft.kind} onChange={(event) => set({ kind: event.target.value as PlaybookTriggerKind })}>
          {TRIGGER_KINDS.map((option) => (
            <option key={option.kind} value={option.kind}>
              {option.label}
            </option>
          ))}
        </select>
      </label>
      <div className="clm-form__row">
        {uses.includes('stage') && (
          <label className="field">
            <span className="field__label">Stage</span>
            <select className="field__input" required value={draft.stage} onChange={(event) => set({ stage: event.target.value })}>
              <option value="">Choose a stage</option>
              {options.stages.map((stage) => (
                <option key={stage.key} value={stage.key}>
                  {stage.name}
                </option>
              ))}
            </select>
            {fieldError('input.trigger.stage')}
          </label>
        )}
        {uses.includes('segmentId') && (
          <label className="field">
            <span className="field__label">Segment</span>
            <select className="field__input" required value={draft.segmentId} onChange={(event) => set({ segmentId: event.target.value })}>
              <option value="">Choose a segment</option>
              {options.segments.map((segment) => (
                <option key={segment.id} value={segment.id}>
                  {segment.name}
                </option>
              ))}
            </select>
            {fieldError('input.trigger.segmentId')}
          </label>
        )}
        {uses.includes('days') && (
          <label className="field">
            <span className="field__label">Days</span>
            <input
              className="field__input"
              inputMode="numeric"
              value={draft.days}
              onChange={(event) => set({ days: event.target.value })}
            />
            {fieldError('input.trigger.days')}
          </label>
        )}
        {uses.includes('touchpointType') && (
          <label className="field">
            <span className="field__label">Touchpoint type</span>
            <input
              className="field__input"
              value={draft.touchpointType}
              onChange={(event) => set({ touchpointType: event.target.value })}
            />
            {fieldError('input.trigger.touchpointType')}
          </label>
        )}
        {uses.includes('nth') && (
          <label className="field">
            <span className="field__label">Only the nth (empty: every one)</span>
            <input className="field__input" inputMode="numeric" value={draft.nth} onChange={(event) => set({ nth: event.target.value })} />
            {fieldError('input.trigger.nth')}
          </label>
        )}
      </div>
      <div className="clm-form__row">
        <label className="field">
          <span className="field__label">Delay (hours)</span>
          <input
            className="field__input"
            inputMode="numeric"
            value={draft.delayHours}
            onChange={(event) => set({ delayHours: event.target.value })}
          />
          {fieldError('input.delayHours')}
        </label>
        <label className="field">
          <span className="field__label">At most once per (days)</span>
          <input
            className="field__input"
            inputMode="numeric"
            value={draft.cooldownDays}
            onChange={(event) => set({ cooldownDays: event.target.value })}
          />
          {fieldError('input.cooldownDays')}
        </label>
        <label className="field">
          <span className="field__label">Outcome window (days)</span>
          <input
            className="field__input"
            inputMode="numeric"
            value={draft.outcomeDays}
            onChange={(event) => set({ outcomeDays: event.target.value })}
          />
          {fieldError('input.outcomeDays')}
        </label>
      </div>
      <label className="rule-inline">
        <input type="checkbox" checked={draft.recheck} onChange={(event) => set({ recheck: event.target.checked })} />
        <span>Only if the trigger still holds when it is due (still in the stage or segment, still quiet)</span>
      </label>
      <label className="rule-inline">
        <input type="checkbox" checked={condition !== null} onChange={(event) => setCondition(event.target.checked ? newRule() : null)} />
        <span>Only if the customer matches a condition when it is due</span>
      </label>
      {condition && (
        <RuleBuilder
          root={condition}
          options={{ stages: options.stages, campaigns: options.campaigns }}
          problems={conditionProblems}
          readOnly={false}
          onChange={(nodeId, edit: (node: RuleNode) => RuleNode | null) =>
            setCondition((current) => (current ? updateNode(current, nodeId, edit) : current))
          }
        />
      )}
      {fieldError('input.condition')}
      <label className="rule-inline">
        <input type="checkbox" checked={draft.enabled} onChange={(event) => set({ enabled: event.target.checked })} />
        <span>On (off: customers who meet it are recorded as the holdout)</span>
      </label>
      <div className="clm-actions">
        <button type="submit" className="button button--primary" disabled={creating.loading || updating.loading}>
          {editing.id === null ? 'Create playbook' : 'Save playbook'}
        </button>
        <button type="button" className="button button--quiet" onClick={onDone}>
          Cancel
        </button>
      </div>
      {failure && issuesOf(failure).length === 0 && (
        <p className="field__error" role="alert">
          {apiErrorMessage(failure)}
        </p>
      )}
    </form>
  );
}
