import { useState } from 'react';
import type { WebhookEndpointFieldsFragment } from '../../gql/graphql';
import { ApiErrorState, EmptyState, LoadingState } from '../../components/States';
import { TableScroll } from '../../components/TableScroll';
import { apiErrorMessage } from '../../lib/api-errors';
import { formatDateTime } from '../../lib/format';
import { useWebhookDeliveries, useWebhookEndpoints } from './useWebhooks';

/** Webhook endpoints: register one (its secret shown once), the delivery log, test send, redeliver, rotate, disable. Admin only. */
export function WebhooksSection({ isAdmin }: { isAdmin: boolean }) {
  if (!isAdmin) return <p className="muted">Webhook endpoints and their delivery logs need a key with the ADMIN scope.</p>;
  return <Webhooks />;
}

function Webhooks() {
  const { endpoints, create, creating, rotate, enable, disable, remove } = useWebhookEndpoints();
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [types, setTypes] = useState<string[]>(['customer.stage_changed']);
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const eventTypes = endpoints.data?.webhookEventTypes ?? [];

  const submit = async () => {
    const result = await create({
      variables: { input: { url: url.trim(), eventTypes: types, description: description.trim() || null } },
    }).catch(() => null);
    if (!result?.data) return;
    setSecret({ url: result.data.createWebhookEndpoint.endpoint.url, secret: result.data.createWebhookEndpoint.secret });
    setUrl('');
    setDescription('');
  };

  const rotateSecret = async (endpoint: WebhookEndpointFieldsFragment) => {
    const result = await rotate({ variables: { id: endpoint.id } }).catch(() => null);
    if (result?.data) setSecret({ url: endpoint.url, secret: result.data.rotateWebhookSecret.secret });
  };

  return (
    <div className="clm-stack">
      <form
        className="clm-card clm-form"
        aria-label="Register a webhook endpoint"
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <label className="field">
          <span className="field__label">Endpoint URL</span>
          <input
            className="field__input"
            required
            type="url"
            maxLength={2048}
            placeholder="https://hooks.example.com/clm"
            value={url}
            onChange={(event) => setUrl(event.target.value)}
          />
        </label>
        <label className="field">
          <span className="field__label">Description</span>
          <input className="field__input" maxLength={500} value={description} onChange={(event) => setDescription(event.target.value)} />
        </label>
        <fieldset className="clm-fieldset clm-fieldset--inline">
          <legend>Events</legend>
          {eventTypes.map((type) => (
            <label key={type} className="rule-inline">
              <input
                type="checkbox"
                checked={types.includes(type)}
                onChange={(event) =>
                  setTypes((current) => (event.target.checked ? [...current, type] : current.filter((known) => known !== type)))
                }
              />
              <span>{type}</span>
            </label>
          ))}
        </fieldset>
        <button type="submit" className="button button--primary" disabled={creating.loading || url.trim() === '' || types.length === 0}>
          Register endpoint
        </button>
        {creating.error && (
          <p className="field__error" role="alert">
            {apiErrorMessage(creating.error)}
          </p>
        )}
      </form>

      {secret && (
        <div className="clm-card clm-secret" role="status">
          <p>
            Signing secret for <strong>{secret.url}</strong>: copy it now; it is not shown again. Verify deliveries with{' '}
            <code>new Webhook(secret).verify(body, headers)</code> of the standardwebhooks package.
          </p>
          <div className="clm-secret__row">
            <code className="clm-secret__key" data-testid="webhook-secret">
              {secret.secret}
            </code>
            <button type="button" className="button button--quiet" onClick={() => setSecret(null)}>
              Done
            </button>
          </div>
        </div>
      )}

      {endpoints.error && <ApiErrorState error={endpoints.error} />}
      {endpoints.loading && !endpoints.data && <LoadingState label="Loading webhook endpoints…" />}
      {endpoints.data && endpoints.data.webhookEndpoints.length === 0 && <EmptyState title="No webhook endpoints." />}
      {endpoints.data?.webhookEndpoints.map((endpoint) => (
        <article key={endpoint.id} className="clm-card" aria-label={`Webhook endpoint ${endpoint.url}`}>
          <header className="clm-secret__row">
            <div>
              <code>{endpoint.url}</code>
              <div className="muted clm-small">
                {endpoint.eventTypes.join(', ')}
                {endpoint.stages && ` · stages ${endpoint.stages.join(', ')}`}
                {endpoint.description && ` · ${endpoint.description}`}
              </div>
              {endpoint.disabledAt ? (
                <p className="field__error" data-testid="webhook-disabled">
                  Disabled {formatDateTime(endpoint.disabledAt)}: {endpoint.disabledReason}
                </p>
              ) : endpoint.failingSince ? (
                <p className="field__error">Failing since {formatDateTime(endpoint.failingSince)}</p>
              ) : null}
              {endpoint.previousSecretValidUntil && (
                <p className="muted clm-small">The previous secret also signs until {formatDateTime(endpoint.previousSecretValidUntil)}.</p>
              )}
            </div>
          </header>
          <div className="clm-secret__row">
            <button type="button" className="button" onClick={() => setOpen(open === endpoint.id ? null : endpoint.id)}>
              {open === endpoint.id ? 'Hide deliveries' : 'Deliveries'}
            </button>
            <button type="button" className="button" onClick={() => void rotateSecret(endpoint)}>
              Rotate secret
            </button>
            {endpoint.disabledAt ? (
              <button type="button" className="button" onClick={() => void enable({ variables: { id: endpoint.id } }).catch(() => null)}>
                Enable
              </button>
            ) : (
              <button type="button" className="button" onClick={() => void disable({ variables: { id: endpoint.id } }).catch(() => null)}>
                Disable
              </button>
            )}
            <button
              type="button"
              className="button button--danger"
              onClick={() => void remove({ variables: { id: endpoint.id } }).catch(() => null)}
            >
              Delete
            </button>
          </div>
          {open === endpoint.id && <DeliveryLog endpointId={endpoint.id} />}
        </article>
      ))}
    </div>
  );
}

function DeliveryLog({ endpointId }: { endpointId: string }) {
  const { deliveries, sendTest, testing, redeliver } = useWebhookDeliveries(endpointId);
  const rows = deliveries.data?.webhookDeliveries.deliveries ?? [];
  return (
    <div className="clm-stack">
      <div className="clm-secret__row">
        <button
          type="button"
          className="button"
          disabled={testing.loading}
          onClick={() => void sendTest({ variables: { endpointId } }).catch(() => null)}
        >
          Send a test event
        </button>
        {testing.data && (
          <span role="status" data-testid="webhook-test-result">
            Test: {testing.data.sendTestWebhook.state}
            {testing.data.sendTestWebhook.lastStatus !== null && ` (${testing.data.sendTestWebhook.lastStatus})`}
            {testing.data.sendTestWebhook.lastError && ` ${testing.data.sendTestWebhook.lastError}`}
          </span>
        )}
        {testing.error && <span className="field__error">{apiErrorMessage(testing.error)}</span>}
      </div>
      {deliveries.error && <ApiErrorState error={deliveries.error} />}
      {deliveries.data && rows.length === 0 && <EmptyState title="No deliveries yet." />}
      {rows.length > 0 && (
        <TableScroll label="Deliveries">
          <table className="clm-table">
            <caption className="visually-hidden">Deliveries</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Answer</th>
                <th scope="col">Duration</th>
                <th scope="col">Attempts</th>
                <th scope="col">Next try</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((delivery) => (
                <tr key={delivery.id}>
                  <td>
                    {delivery.eventType}
                    <div className="muted clm-small">
                      <code>{delivery.webhookId}</code> · {formatDateTime(delivery.createdAt)}
                    </div>
                  </td>
                  <td>{delivery.state.toLowerCase()}</td>
                  <td>
                    {delivery.lastStatus ?? '—'}
                    {delivery.lastError && <div className="muted clm-small">{delivery.lastError}</div>}
                  </td>
                  <td>{delivery.lastDurationMs === null ? '—' : `${delivery.lastDurationMs} ms`}</td>
                  <td>{delivery.attempts}</td>
                  <td>{delivery.nextAttemptAt ? formatDateTime(delivery.nextAttemptAt) : '—'}</td>
                  <td>
                    <button
                      type="button"
                      className="button button--quiet"
                      onClick={() => void redeliver({ variables: { deliveryId: delivery.id } }).catch(() => null)}
                    >
                      Redeliver
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </div>
  );
}
