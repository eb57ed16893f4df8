import { useQuery } from '@apollo/client/react';
import { ViewerDocument } from '../gql/graphql';
import type { Scope } from '../gql/graphql';

/** What the signed-in key may do. */
export type ViewerAccess = {
  loading: boolean;
  scopes: readonly Scope[];
  /** True only once the API confirmed the ADMIN scope: admin actions stay hidden until then. */
  isAdmin: boolean;
  keyName: string | null;
  /** The signed-in key's id, to mark it in the list of keys. */
  keyId: string | null;
};

/** The signed-in key's scopes, from `viewer` (cached for the session). */
export function useViewer(): ViewerAccess {
  const { data, loading } = useQuery(ViewerDocument, { fetchPolicy: 'cache-first' });
  const scopes = data?.viewer.scopes ?? [];
  return { loading, scopes, isAdmin: scopes.includes('ADMIN'), keyName: data?.viewer.name ?? null, keyId: data?.viewer.keyId ?? null };
}

/** Why an admin action is not offered, for a key without ADMIN. */
export function readOnlyExplanation(access: ViewerAccess): string {
  const scopes = access.scopes.length > 0 ? access.scopes.join(', ') : 'no';
  return `Signed in with a key that has ${scopes} scope${access.scopes.length === 1 ? '' : 's'}: changes need a key with the ADMIN scope.`;
}
