import { useQuery } from '@apollo/client/react';
import type { ErrorLike } from '@apollo/client';
import { useEffect, useMemo, useState } from 'react';
import { ValidateLifecycleModelDocument } from '../../gql/graphql';
import type { LifecycleModelInput } from '../../gql/graphql';
import { issuesOf } from '../../lib/api-errors';
import type { ApiIssue } from '../../lib/api-errors';
import { wholeNumberIssues } from './model-draft';

const VALIDATE_DEBOUNCE_MS = 400;

export type ModelValidation = {
  /** Every known problem: the editor's own, the API's validation, the failed save's. Paths are relative to the model. */
  issues: ApiIssue[];
  /** True once the API found the current draft valid. */
  valid: boolean;
  /** True while the shown verdict is for an older draft. */
  checking: boolean;
  error: ErrorLike | null;
};

/** Asks the API to validate the draft once it stops changing; a failed save's issues are added. */
export function useModelValidation(draft: LifecycleModelInput, saveError: ErrorLike | undefined): ModelValidation {
  const [checked, setChecked] = useState(draft);
  useEffect(() => {
    const timer = setTimeout(() => setChecked(draft), VALIDATE_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [draft]);
  const local = useMemo(() => wholeNumberIssues(draft), [draft]);
  const validation = useQuery(ValidateLifecycleModelDocument, {
    variables: { model: checked },
    fetchPolicy: 'network-only',
    // A number field left empty cannot be sent (the API's Int!); it is named locally instead.
    skip: wholeNumberIssues(checked).length > 0,
  });
  const issues = useMemo(
    () => [
      ...local,
      ...(local.length > 0 ? [] : (validation.data?.validateLifecycleModel.issues ?? [])),
      ...issuesOf(saveError).map((issue) => ({ ...issue, path: issue.path.replace(/^model\./, '') })),
    ],
    [local, validation.data, saveError],
  );
  return {
    issues,
    valid: local.length === 0 && validation.data?.validateLifecycleModel.valid === true && checked === draft,
    checking: local.length === 0 && (checked !== draft || validation.loading),
    error: validation.error ?? null,
  };
}
