import { useQuery } from '@apollo/client/react';
import { useEffect, useId, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { listVariables, parseAttributeFilter, readListParams, SORT_FIELDS, writeListParams } from './customer-list-params';
import type { CustomerListParams } from './customer-list-params';
import { CustomerFilterOptionsDocument, CustomerListDocument } from '../../gql/graphql';
import type { CustomerListQuery, CustomerSortField } from '../../gql/graphql';
import { formatDateTime, formatElapsed, formatMoney, formatCount, plural, stageName } from '../../lib/format';
import { ApiErrorState, EmptyState, LoadingState } from '../../components/States';
import { TableScroll } from '../../components/TableScroll';
import { usePageTitle } from '../../lib/usePageTitle';
import { customerDisplayName } from '../../lib/customer-name';

const SEARCH_DEBOUNCE_MS = 300;

/** Every customer: search, filter by stage, segment and attributes, sort, page through. */
export function CustomersPage() {
  usePageTitle('Customers');
  const [query, setQuery] = useSearchParams();
  const params = readListParams(query);
  const options = useQuery(CustomerFilterOptionsDocument);
  const stages = options.data?.lifecycleModel.stages ?? [];
  const attributes = parseAttributeFilter(params.attributes);
  const list = useQuery(CustomerListDocument, {
    variables: listVariables(params),
    skip: attributes.error !== null,
    fetchPolicy: 'cache-and-network',
  });

  /**
   * Any change of filter or sort starts again from the first page. It reads
   * the URL as it is now, not as of this render: a debounced search landing
   * after a stage was picked must keep the stage.
   */
  const update = (change: Partial<CustomerListParams>) =>
    setQuery(writeListParams({ ...readListParams(new URLSearchParams(window.location.search)), after: null, before: null, ...change }), {
      replace: true,
    });

  const connection = list.data?.customers ?? list.previousData?.customers;

  return (
    <div className="clm-page">
      <header className="page-header">
        <div>
          <h1 className="page-header__title">Customers</h1>
          <p className="page-header__subtitle">
            {connection ? plural(connection.totalCount, 'customer') + (hasFilter(params) ? ' match' : '') : 'Everyone in the lifecycle'}
          </p>
        </div>
      </header>

      <section className="clm-card clm-filters" aria-label="Search and filters">
        <SearchField value={params.search} onChange={(search) => update({ search })} />
        <label className="field">
          <span className="field__label">Stage</span>
          <select className="field__input" value={params.stage} onChange={(event) => update({ stage: event.target.value })}>
            <option value="">Any stage</option>
            {stages.map((stage) => (
              <option key={stage.key} value={stage.key}>
                {stage.name}
              </option>
            ))}
            <option value="at-risk">At risk</option>
            <option value="churned">Churned</option>
          </select>
        </label>
        <label className="field">
          <span className="field__label">Segment</span>
          <select className="field__input" value={params.segment} onChange={(event) => update({ segment: event.target.value })}>
            <option value="">Any segment</option>
            {(options.data?.segments ?? []).map((segment) => (
              <option key={segment.id} value={segment.id}>
                {segment.name}
              </option>
            ))}
          </select>
        </label>
        <AttributeField value={params.attributes} error={attributes.error} onChange={(text) => update({ attributes: text })} />
        <label className="field">
          <span className="field__label">Sort by</span>
          <select
            className="field__input"
            value={params.sort}
            onChange={(event) => update({ sort: event.target.value as CustomerSortField })}
          >
            {SORT_FIELDS.map((option) => (
              <option key={option.field} value={option.field}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field__label">Order</span>
          <select
            className="field__input"
            value={params.direction}
            onChange={(event) => update({ direction: event.target.value === 'ASC' ? 'ASC' : 'DESC' })}
          >
            <option value="DESC">Descending</option>
            <option value="ASC">Ascending</option>
          </select>
        </label>
      </section>

      {list.error && <ApiErrorState error={list.error} />}
      {!connection && list.loading && <LoadingState label="Loading customers…" />}
      {connection && connection.edges.length === 0 && (
        <EmptyState title={hasFilter(params) ? 'No customer matches these filters.' : 'No customers yet.'}>
          {hasFilter(params)
            ? 'Clear a filter or search for something else.'
            : 'Customers appear as soon as touchpoints are ingested (recordTouchpoints or the /v1 routes).'}
        </EmptyState>
      )}
      {connection && connection.edges.length > 0 && (
        <>
          <CustomerTable connection={connection} stages={stages} busy={list.loading} />
          <nav className="clm-pager" aria-label="Pages of customers">
            <button
              type="button"
              className="button"
              disabled={!connection.pageInfo.hasPreviousPage && !params.after}
              onClick={() => setQuery(writeListParams({ ...params, after: null, before: connection.pageInfo.startCursor }))}
            >
              Previous
            </button>
            <button
              type="button"
              className="button"
              disabled={!connection.pageInfo.hasNextPage && !params.before}
              onClick={() => setQuery(writeListParams({ ...params, before: null, after: connection.pageInfo.endCursor }))}
            >
              Next
            </button>
          </nav>
        </>
      )}
    </div>
  );
}

function hasFilter(params: CustomerListParams): boolean {
  return Boolean(params.search || params.stage || params.segment || params.attributes);
}

type Connection = CustomerListQuery['customers'];

function CustomerTable({
  connection,
  stages,
  busy,
}: {
  connection: Connection;
  stages: ReadonlyArray<{ key: string; name: string }>;
  busy: boolean;
}) {
  return (
    <TableScroll label="Customers" busy={busy}>
      <table className="clm-table">
        <caption className="visually-hidden">Customers</caption>
        <thead>
          <tr>
            <th scope="col">Customer</th>
            <th scope="col">Stage</th>
            <th scope="col">In stage for</th>
            <th scope="col" className="clm-table__number">
              Orders
            </th>
            <th scope="col" className="clm-table__number">
              Revenue
            </th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {connection.edges.map(({ node }) => (
            <tr key={node.id}>
              <td>
                <Link className="clm-link" to={`/customers/${encodeURIComponent(node.id)}`}>
                  {customerDisplayName(node)}
                </Link>
                {node.name && node.email && <div className="muted clm-small">{node.email}</div>}
              </td>
              <td>{stageName(node.stage, stages)}</td>
              <td>{formatElapsed(node.stageEnteredAt)}</td>
              <td className="clm-table__number">{formatCount(node.orders)}</td>
              <td className="clm-table__number">{formatMoney(node.revenue)}</td>
              <td>{formatDateTime(node.lastSeenAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

/** A search box that updates the URL once typing pauses. */
function SearchField({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  const [text, setText] = useState(value);
  const latestOnChange = useRef(onChange);
  latestOnChange.current = onChange;
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (text === value) return;
    const timer = setTimeout(() => latestOnChange.current(text), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text, value]);
  return (
    <label className="field clm-filters__search">
      <span className="field__label">Search</span>
      <input
        className="field__input"
        type="search"
        placeholder="Name or email"
        value={text}
        onChange={(event) => setText(event.target.value)}
      />
    </label>
  );
}

/** Attribute filter as `name=value` pairs, applied on Enter or when the field loses focus. */
function AttributeField({ value, error, onChange }: { value: string; error: string | null; onChange: (value: string) => void }) {
  const [text, setText] = useState(value);
  const hintId = useId();
  const inputId = useId();
  useEffect(() => setText(value), [value]);
  const apply = () => {
    if (text !== value) onChange(text);
  };
  return (
    <div className="field">
      <label className="field__label" htmlFor={inputId}>
        Attributes
      </label>
      <input
        id={inputId}
        className="field__input"
        placeholder="plan=pro, seats=5"
        value={text}
        aria-invalid={error !== null}
        aria-describedby={hintId}
        onChange={(event) => setText(event.target.value)}
        onBlur={apply}
        onKeyDown={(event) => {
          if (event.key === 'Enter') apply();
        }}
      />
      <span id={hintId} className={error ? 'field__error' : 'field__hint'}>
        {error ?? 'name=value, comma separated; Enter applies'}
      </span>
    </div>
  );
}
