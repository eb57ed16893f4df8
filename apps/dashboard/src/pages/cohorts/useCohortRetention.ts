import type { ErrorLike } from '@apollo/client';
import { useQuery } from '@apollo/client/react';
import { CohortRetentionDocument } from '../../gql/graphql';
import type { CohortRetentionQuery } from '../../gql/graphql';
import type { DayRange } from '../../lib/range';

export type CohortRow = CohortRetentionQuery['metrics']['cohortRetention'][number];

export type CohortRetention = {
  /** The cohorts acquired in the range (the previous range's while a new one loads); undefined before the first load. */
  rows: readonly CohortRow[] | undefined;
  loading: boolean;
  error: ErrorLike | undefined;
  refetch: () => void;
};

/** Retention by acquisition month for the cohorts acquired in `range`. */
export function useCohortRetention(range: DayRange): CohortRetention {
  const { data, previousData, loading, error, refetch } = useQuery(CohortRetentionDocument, { variables: { range } });
  return { rows: (data ?? previousData)?.metrics.cohortRetention, loading, error, refetch: () => void refetch() };
}
