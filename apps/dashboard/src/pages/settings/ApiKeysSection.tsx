import { useMutation, useQuery } from '@apollo/client/react';
import { useState } from 'react';
import { ApiKeysDocument, CreateApiKeyDocument, RevokeApiKeyDocument } from '../../gql/graphql';
import type { Scope } from '../../gql/graphql';
import { ApiErrorState, EmptyState, LoadingState } from '../../components/States';
import { apiErrorMessage } from '../../lib/api-errors';
import { formatDateTime } from '../../lib/format';
import { TableScroll } from '../../components/TableScroll';

const SCOPES: ReadonlyArray<{ scope: Scope; label: string }> = [
  { scope: 'READ', label: 'Read (dashboard, queries, exports)' },
  { scope: 'INGEST', label: 'Ingest (send events)' },
  { scope: 'ADMIN', label: 'Admin (model, segments, keys)' },
];

/** API keys: create one (its secret shown once, with a copy button) and revoke. Admin only. */
export function ApiKeysSection({ isAdmin, ownKeyId }: { isAdmin: boolean; ownKeyId: string | null }) {
  if (!isAdmin) return <p className="muted">Listing, creating and revoking API keys needs a key with the ADMIN scope.</p>;
  return <ApiKeys ownKeyId={ownKeyId} />;
}

/** What the revoke button asks first: revoking the key this dashboard is signed in with signs it out. */
function revokeQuestion(name: string, isOwn: boolean): string {
  if (isOwn)
    return `"${name}" is the key you are signed in with. Revoking it signs this dashboard out at once, and anything else using it stops working. Revoke it?`;
  return `Revoke "${name}"? Anything using it stops working at once.`;
}

function ApiKeys({ ownKeyId }: { ownKeyId: string | null }) {
  const { data, loading, error } = useQuery(ApiKeysDocument);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['READ']);
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const [create, creating] = useMutation(CreateApiKeyDocument, { refetchQueries: ['ApiKeys'] });
  const [revoke, revoking] = useMutation(RevokeApiKeyDocument, { refetchQueries: ['ApiKeys'] });
  const activeAdmins = (data?.apiKeys ?? []).filter((apiKey) => !apiKey.revokedAt && apiKey.scopes.includes('ADMIN')).length;

  const submit = async () => {
    setCopied(false);
    const result = await create({ variables: { name: name.trim(), scopes } }).catch(() => null);
    if (!result?.data) return;
    setCreated({ name: result.data.createApiKey.apiKey.name, key: result.data.createApiKey.key });
    setName('');
  };

  return (
    <div className="clm-stack">
      <form
        className="clm-card clm-form"
        aria-label="Create an API key"
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <label className="field">
          <span className="field__label">Key name</span>
          <input
            className="field__input"
            required
            maxLength={200}
            placeholder="e.g. Web shop"
            value={name}
            onChange={(event) => setName(event.target.value)}
          />
        </label>
        <fieldset className="clm-fieldset clm-fieldset--inline">
          <legend>Scopes</legend>
          {SCOPES.map((option) => (
            <label key={option.scope} className="rule-inline">
              <input
                type="checkbox"
                checked={scopes.includes(option.scope)}
                onChange={(event) =>
                  setScopes((current) =>
                    event.target.checked ? [...current, option.scope] : current.filter((scope) => scope !== option.scope),
                  )
                }
              />
              <span>{option.label}</span>
            </label>
          ))}
        </fieldset>
        <button type="submit" className="button button--primary" disabled={creating.loading || name.trim() === '' || scopes.length === 0}>
          Create key
        </button>
        {creating.error && (
          <p className="field__error" role="alert">
            {apiErrorMessage(creating.error)}
          </p>
        )}
      </form>

      {created && (
        <div className="clm-card clm-secret" role="status">
          <p>
            <strong>{created.name}</strong>: copy this key now. clm keeps only its hash and will not show it again.
          </p>
          <div className="clm-secret__row">
            <code className="clm-secret__key" data-testid="created-key">
              {created.key}
            </code>
            <button
              type="button"
              className="button"
              onClick={() => {
                void navigator.clipboard
                  ?.writeText(created.key)
                  .then(() => setCopied(true))
                  .catch(() => setCopied(false));
              }}
            >
              {copied ? 'Copied' : 'Copy'}
            </button>
            <button type="button" className="button button--quiet" onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        </div>
      )}

      {error && <ApiErrorState error={error} />}
      {loading && !data && <LoadingState label="Loading API keys…" />}
      {data && data.apiKeys.length === 0 && <EmptyState title="No API keys." />}
      {data && data.apiKeys.length > 0 && (
        <TableScroll label="API keys">
          <table className="clm-table">
            <caption className="visually-hidden">API keys</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Prefix</th>
                <th scope="col">Scopes</th>
                <th scope="col">Created</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {data.apiKeys.map((apiKey) => (
                <tr key={apiKey.id}>
                  <td>
                    {apiKey.name}
                    {apiKey.id === ownKeyId && <div className="muted clm-small">your key (this session)</div>}
                  </td>
                  <td>
                    <code>{apiKey.prefix}…</code>
                  </td>
                  <td>{apiKey.scopes.join(', ')}</td>
                  <td>
                    {formatDateTime(apiKey.createdAt)}
                    {apiKey.createdBy && <div className="muted clm-small">by {apiKey.createdBy}</div>}
                  </td>
                  <td>
                    {apiKey.revokedAt ? (
                      <span className="muted">Revoked {formatDateTime(apiKey.revokedAt)}</span>
                    ) : activeAdmins === 1 && apiKey.scopes.includes('ADMIN') ? (
                      <span className="muted clm-small">Last admin key: create another admin key before revoking it.</span>
                    ) : (
                      <button
                        type="button"
                        className="button button--danger"
                        disabled={revoking.loading}
                        onClick={() => {
                          if (window.confirm(revokeQuestion(apiKey.name, apiKey.id === ownKeyId)))
                            void revoke({ variables: { id: apiKey.id } }).catch(() => null);
                        }}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {revoking.error && (
        <p className="alert alert--error" role="alert">
          {apiErrorMessage(revoking.error)}
        </p>
      )}
    </div>
  );
}
