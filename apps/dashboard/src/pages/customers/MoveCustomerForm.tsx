import { useMutation } from '@apollo/client/react';
import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { MoveCustomerDocument } from '../../gql/graphql';
import { apiErrorMessage } from '../../lib/api-errors';
import { readOnlyExplanation, useViewer } from '../../lib/useViewer';

type MoveCustomerFormProps = {
  customerId: string;
  currentStage: string | null;
  stages: ReadonlyArray<{ key: string; name: string }>;
  onMoved: () => void;
};

/** An admin moves the customer to another stage, with a reason; other keys see why they cannot. */
export function MoveCustomerForm({ customerId, currentStage, stages, onMoved }: MoveCustomerFormProps) {
  const access = useViewer();
  const [to, setTo] = useState('');
  const [reason, setReason] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const [move, { loading, error }] = useMutation(MoveCustomerDocument);
  const reasonId = useId();
  const targets = [...stages, { key: 'at-risk', name: 'At risk' }, { key: 'churned', name: 'Churned' }].filter(
    (stage) => stage.key !== currentStage,
  );

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setDone(null);
    const result = await move({ variables: { id: customerId, to, reason: reason.trim() } }).catch(() => null);
    if (!result?.data) return;
    setDone(`Moved to ${targets.find((stage) => stage.key === to)?.name ?? to}.`);
    setReason('');
    setTo('');
    onMoved();
  };

  return (
    <section className="clm-card" aria-labelledby="move-customer">
      <h2 id="move-customer" className="clm-card__title">
        Move to another stage
      </h2>
      {access.loading ? (
        <p className="muted">Checking this key's scopes…</p>
      ) : !access.isAdmin ? (
        <p className="muted" data-testid="move-read-only">
          {readOnlyExplanation(access)}
        </p>
      ) : (
        <form className="clm-form" onSubmit={(event) => void submit(event)}>
          <label className="field">
            <span className="field__label">New stage</span>
            <select className="field__input" value={to} required onChange={(event) => setTo(event.target.value)}>
              <option value="" disabled>
                Choose a stage
              </option>
              {targets.map((stage) => (
                <option key={stage.key} value={stage.key}>
                  {stage.name}
                </option>
              ))}
            </select>
          </label>
          <label className="field" htmlFor={reasonId}>
            <span className="field__label">Reason</span>
            <textarea
              id={reasonId}
              className="field__input"
              rows={2}
              required
              maxLength={500}
              placeholder="Why, for the record (e.g. asked to cancel by phone)"
              value={reason}
              onChange={(event) => setReason(event.target.value)}
            />
          </label>
          <button type="submit" className="button button--primary" disabled={loading || to === '' || reason.trim() === ''}>
            {loading ? 'Moving…' : 'Move customer'}
          </button>
          {error && (
            <p className="field__error" role="alert">
              {apiErrorMessage(error)}
            </p>
          )}
          {done && (
            <p className="clm-success" role="status">
              {done}
            </p>
          )}
        </form>
      )}
    </section>
  );
}
