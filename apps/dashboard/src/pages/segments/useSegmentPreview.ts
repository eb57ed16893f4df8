import type { ErrorLike } from '@apollo/client';
import { useQuery } from '@apollo/client/react';
import { useEffect, useState } from 'react';
import { PreviewSegmentDocument } from '../../gql/graphql';
import { issuesOf } from '../../lib/api-errors';
import type { ApiIssue } from '../../lib/api-errors';
import type { PreviewSegmentQuery, SegmentRuleInput } from '../../gql/graphql';

/** How long the rule must stay unchanged before it is previewed. */
export const PREVIEW_DEBOUNCE_MS = 400;

export type SegmentPreview = {
  preview: PreviewSegmentQuery['previewSegment'] | null;
  /** True while the shown preview is for an older version of the rule. */
  stale: boolean;
  loading: boolean;
  error: ErrorLike | null;
  /** The API's problems with the rule, each with its path (from BAD_USER_INPUT's `issues`). */
  issues: ApiIssue[];
};

/** The count and sample of an unsaved rule, asked for once the rule stops changing. */
export function useSegmentPreview(rule: SegmentRuleInput | null): SegmentPreview {
  const key = rule === null ? '' : JSON.stringify(rule);
  const [debounced, setDebounced] = useState(key);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(key), PREVIEW_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [key]);

  const { data, previousData, loading, error } = useQuery(PreviewSegmentDocument, {
    variables: { rule: debounced === '' ? {} : (JSON.parse(debounced) as SegmentRuleInput) },
    skip: debounced === '',
    fetchPolicy: 'network-only',
  });
  const preview = (data ?? previousData)?.previewSegment ?? null;
  return {
    preview: debounced === '' ? null : preview,
    stale: key !== debounced || loading,
    loading,
    error: error ?? null,
    issues: issuesOf(error),
  };
}
