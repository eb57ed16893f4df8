import { useQuery } from '@apollo/client/react';
import { Link } from 'react-router';
import { Sparkline } from '../../components/Sparkline';
import { SegmentListDocument } from '../../gql/graphql';
import { formatDateTime, formatCount, plural } from '../../lib/format';
import { ApiErrorState, EmptyState, LoadingState } from '../../components/States';
import { useViewer } from '../../lib/useViewer';
import { TableScroll } from '../../components/TableScroll';
import { usePageTitle } from '../../lib/usePageTitle';

/**
 * Every segment with its member count now, its trend over the last 30 UTC
 * days (computed by the API from the membership log) and when it last changed.
 */
export function SegmentsPage() {
  usePageTitle('Segments');
  const { data, loading, error } = useQuery(SegmentListDocument, { fetchPolicy: 'cache-and-network' });
  const access = useViewer();
  const segments = data?.segments;

  return (
    <div className="clm-page">
      <header className="page-header">
        <div>
          <h1 className="page-header__title">Segments</h1>
          <p className="page-header__subtitle">
            {segments ? plural(segments.length, 'segment') : 'Named rules over customers, kept current'}
          </p>
        </div>
        {access.isAdmin && (
          <Link className="button button--primary" to="/segments/new">
            New segment
          </Link>
        )}
      </header>
      {error && <ApiErrorState error={error} />}
      {!segments && loading && <LoadingState label="Loading segments…" />}
      {segments && segments.length === 0 && (
        <EmptyState title="No segments yet.">
          {access.isAdmin ? (
            <>
              <Link className="clm-link" to="/segments/new">
                Build one
              </Link>{' '}
              from customer fields, attributes, behaviour and acquisition.
            </>
          ) : (
            'An admin key can build segments here.'
          )}
        </EmptyState>
      )}
      {segments && segments.length > 0 && (
        <TableScroll label="Segments">
          <table className="clm-table">
            <caption className="visually-hidden">Segments</caption>
            <thead>
              <tr>
                <th scope="col">Segment</th>
                <th scope="col" className="clm-table__number">
                  Members now
                </th>
                <th scope="col">Last 30 days</th>
                <th scope="col">Last changed</th>
                <th scope="col">
                  <span className="visually-hidden">Members</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {segments.map((segment) => (
                <tr key={segment.id}>
                  <td>
                    <Link className="clm-link" to={`/segments/${encodeURIComponent(segment.id)}`}>
                      {segment.name}
                    </Link>
                    {segment.description && <div className="muted clm-small">{segment.description}</div>}
                  </td>
                  <td className="clm-table__number" data-testid="member-count">
                    {formatCount(segment.memberCount)}
                  </td>
                  <td>
                    <MemberTrend points={segment.memberTrend} />
                  </td>
                  <td>{formatDateTime(segment.updatedAt)}</td>
                  <td>
                    <Link className="clm-link" to={`/customers?segment=${encodeURIComponent(segment.id)}`}>
                      See members
                    </Link>
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

/** The sparkline of a segment's members over the days, labelled with its first and last count. */
function MemberTrend({ points }: { points: ReadonlyArray<{ members: number }> }) {
  if (points.length === 0) return null;
  const values = points.map((point) => point.members);
  const label = `Members over the last ${plural(points.length, 'day')}: ${formatCount(values[0])} to ${formatCount(values[values.length - 1])}`;
  return (
    <span role="img" aria-label={label} title={label} data-testid="member-trend">
      <Sparkline values={values} width={96} height={24} />
    </span>
  );
}
