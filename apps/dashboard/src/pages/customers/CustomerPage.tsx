import { useQuery } from '@apollo/client/react';
import { Link, useParams } from 'react-router';
import { CustomerProfileDocument } from '../../gql/graphql';
import type { CustomerProfileQuery } from '../../gql/graphql';
import { CustomerIdentities } from './CustomerIdentities';
import { CustomerTimeline } from './CustomerTimeline';
import { MoveCustomerForm } from './MoveCustomerForm';
import { formatDateTime, formatElapsed, formatJsonValue, formatMoney, formatCount, stageName } from '../../lib/format';
import { ApiErrorState, EmptyState, LoadingState } from '../../components/States';
import { useCustomerTimeline } from './useCustomerTimeline';
import { usePageTitle } from '../../lib/usePageTitle';
import { customerDisplayName } from '../../lib/customer-name';

/** One customer: who they are, where they stand, what they did and how they moved. */
export function CustomerPage() {
  const { id = '' } = useParams();
  const profile = useQuery(CustomerProfileDocument, { variables: { id }, skip: id === '' });
  const timeline = useCustomerTimeline(id);
  const customer = profile.data?.customer;
  const stages = profile.data?.lifecycleModel.stages ?? [];
  usePageTitle(customer ? displayName(customer) : null, 'Customers');

  return (
    <div className="clm-page">
      <nav aria-label="Breadcrumb" className="clm-breadcrumb">
        <Link className="clm-link" to="/customers">
          Customers
        </Link>
      </nav>
      {profile.error && <ApiErrorState error={profile.error} />}
      {profile.loading && !customer && <LoadingState label="Loading the customer…" />}
      {!profile.loading && !profile.error && !customer && (
        <EmptyState title="No such customer.">It may have been deleted; go back to the list to find another.</EmptyState>
      )}
      {customer && (
        <>
          <header className="page-header">
            <div>
              <h1 className="page-header__title">{displayName(customer)}</h1>
              <p className="page-header__subtitle">
                {stageName(customer.stage, stages)}
                {customer.stageEnteredAt && ` for ${formatElapsed(customer.stageEnteredAt)}`}
              </p>
            </div>
          </header>
          <div className="clm-grid">
            <Profile customer={customer} stages={stages} />
            <section className="clm-card" aria-labelledby="customer-attributes">
              <h2 id="customer-attributes" className="clm-card__title">
                Attributes
              </h2>
              <Attributes attributes={customer.attributes} />
              <h2 className="clm-card__title">Segments</h2>
              {customer.segments.length === 0 ? (
                <p className="muted">In no segment.</p>
              ) : (
                <ul className="clm-chips" aria-label="Segments">
                  {customer.segments.map((segment) => (
                    <li key={segment.id}>
                      <Link className="clm-chip" to={`/segments/${encodeURIComponent(segment.id)}`}>
                        {segment.name}
                      </Link>
                    </li>
                  ))}
                </ul>
              )}
              <h2 className="clm-card__title">Playbooks fired</h2>
              {customer.playbookFirings.length === 0 ? (
                <p className="muted">None yet.</p>
              ) : (
                <ul aria-label="Playbooks fired" data-testid="playbook-firings">
                  {customer.playbookFirings.map((firing) => (
                    <li key={firing.id}>
                      {firing.playbookName} <span className="muted clm-small">{formatDateTime(firing.firedAt)}</span>
                    </li>
                  ))}
                </ul>
              )}
            </section>
            <CustomerIdentities
              customer={customer}
              onChanged={() => {
                void profile.refetch();
                timeline.reload();
              }}
            />
            <MoveCustomerForm
              customerId={customer.id}
              currentStage={customer.stage}
              stages={stages}
              onMoved={() => {
                void profile.refetch();
                timeline.reload();
              }}
            />
          </div>
          <CustomerTimeline timeline={timeline} stages={stages} />
        </>
      )}
    </div>
  );
}

type ProfileCustomer = NonNullable<CustomerProfileQuery['customer']>;

function displayName(customer: ProfileCustomer): string {
  return customerDisplayName(customer);
}

function Profile({ customer, stages }: { customer: ProfileCustomer; stages: ReadonlyArray<{ key: string; name: string }> }) {
  const rows: Array<[string, string]> = [
    ['Email', customer.email ?? '—'],
    ['External id', customer.externalId ?? '—'],
    ['Stage', stageName(customer.stage, stages)],
    ['In stage since', formatDateTime(customer.stageEnteredAt)],
    ['Orders', formatCount(customer.orders)],
    ['Revenue', formatMoney(customer.revenue)],
    ['First seen', formatDateTime(customer.firstSeenAt)],
    ['Last seen', formatDateTime(customer.lastSeenAt)],
    // When clm first stored them (a load or an import), not when they appeared: First seen says that.
    ['Recorded in clm', formatDateTime(customer.createdAt)],
  ];
  return (
    <section className="clm-card" aria-labelledby="customer-profile">
      <h2 id="customer-profile" className="clm-card__title">
        Profile
      </h2>
      <dl className="clm-facts">
        {rows.map(([label, value]) => (
          <div key={label} className="clm-facts__row">
            <dt>{label}</dt>
            <dd data-fact={label}>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function Attributes({ attributes }: { attributes: Record<string, unknown> | null | undefined }) {
  const entries = Object.entries(attributes ?? {});
  if (entries.length === 0) return <p className="muted">No attributes.</p>;
  return (
    <dl className="clm-facts">
      {entries.map(([name, value]) => (
        <div key={name} className="clm-facts__row">
          <dt>{name}</dt>
          <dd>{formatJsonValue(value)}</dd>
        </div>
      ))}
    </dl>
  );
}
