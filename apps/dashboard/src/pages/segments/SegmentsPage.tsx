import { useQuery } from '@apollo/client/react';
import { Link } from 'react-router';
import { SegmentListDocument } from '../../gql/graphql';
import { formatDateTime, formatNumber, plural } from '../customers/shared/format';
import { EmptyState, ErrorState, LoadingState } from '../customers/shared/PageStates';
import { useViewer } from '../customers/shared/useViewer';
import { TableScroll } from '../customers/shared/TableScroll';

/**
 * Every segment with its member count. The API keeps no member-count
 * history (only the membership change log, streamed per segment), so the
 * list shows the count now and when the segment last changed.
 */
export function SegmentsPage() {
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
      {error && <ErrorState error={error} />}
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
                    {formatNumber(segment.memberCount)}
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
