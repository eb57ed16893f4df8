import { useMutation } from '@apollo/client/react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { MergeCustomersDocument, UnmergeCustomersDocument } from '../../gql/graphql';
import type { CustomerProfileQuery } from '../../gql/graphql';
import { apiErrorMessage } from '../../lib/api-errors';
import { formatDateTime } from '../../lib/format';
import { readOnlyExplanation, useViewer } from '../../lib/useViewer';
import { describeMerge } from './merge-history';

type ProfileCustomer = NonNullable<CustomerProfileQuery['customer']>;

const KIND_NAMES: Record<string, string> = { EXTERNAL_ID: 'External id', EMAIL: 'Email', ANONYMOUS_ID: 'Anonymous id' };

/** The identities a customer is known by, its merge history, and (admins) Merge and Unmerge. */
export function CustomerIdentities({ customer, onChanged }: { customer: ProfileCustomer; onChanged: () => void }) {
  const access = useViewer();
  const [from, setFrom] = useState('');
  const [reason, setReason] = useState('');
  const [merge, merging] = useMutation(MergeCustomersDocument);
  const [unmerge, unmerging] = useMutation(UnmergeCustomersDocument);
  const error = merging.error ?? unmerging.error;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await merge({ variables: { into: customer.id, from: from.trim(), reason: reason.trim() } }).catch(() => null);
    if (!result?.data) return;
    setFrom('');
    setReason('');
    onChanged();
  };
  const undo = async (mergeId: string) => {
    const result = await unmerge({ variables: { mergeId } }).catch(() => null);
    if (result?.data) onChanged();
  };

  return (
    <section className="clm-card" aria-labelledby="customer-identities">
      <h2 id="customer-identities" className="clm-card__title">
        Identities
      </h2>
      {customer.mergedId && (
        <p className="muted" data-testid="merged-notice">
          Customer {customer.mergedId} was merged into this one.
        </p>
      )}
      <dl className="clm-facts">
        {customer.identities.map((identity) => (
          <div key={`${identity.kind}:${identity.value}`} className="clm-facts__row">
            <dt>{KIND_NAMES[identity.kind] ?? identity.kind}</dt>
            <dd>
              {identity.value} <span className="muted">recorded {formatDateTime(identity.firstSeenAt)}</span>
            </dd>
          </div>
        ))}
      </dl>
      <h2 className="clm-card__title">Merges</h2>
      {customer.merges.length === 0 ? (
        <p className="muted">Never merged.</p>
      ) : (
        <ul aria-label="Merges">
          {customer.merges.map((entry) => {
            const { text, undoable } = describeMerge(entry, customer.id);
            return (
              <li key={entry.id} data-merge={entry.id}>
                {formatDateTime(entry.mergedAt)}: {text}{' '}
                {undoable && access.isAdmin && (
                  <button type="button" className="button" disabled={unmerging.loading} onClick={() => void undo(entry.id)}>
                    Unmerge
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {access.loading ? null : !access.isAdmin ? (
        <p className="muted">{readOnlyExplanation(access)}</p>
      ) : (
        <form className="clm-form" onSubmit={(event) => void submit(event)} aria-label="Merge another customer into this one">
          <label className="field">
            <span className="field__label">Merge customer (id) into this one</span>
            <input className="field__input" value={from} required onChange={(event) => setFrom(event.target.value)} />
          </label>
          <label className="field">
            <span className="field__label">Why they are one person</span>
            <input className="field__input" value={reason} required onChange={(event) => setReason(event.target.value)} />
          </label>
          <button type="submit" className="button button--primary" disabled={merging.loading || from.trim() === '' || reason.trim() === ''}>
            Merge
          </button>
        </form>
      )}
      {error && (
        <p className="field__error" role="alert">
          {apiErrorMessage(error)}
        </p>
      )}
    </section>
  );
}
