import { registerEnumType } from 'type-graphql';

export enum Scope {
  INGEST = 'ingest',
  READ = 'read',
  ADMIN = 'admin',
}

registerEnumType(Scope, {
  name: 'Scope',
  description: 'What an API key may do. `admin` implies the other two.',
  valuesConfig: {
    INGEST: { description: 'Record touchpoints and create or update customers.' },
    READ: { description: 'Run queries and subscriptions.' },
    ADMIN: { description: 'Everything: lifecycle model, manual moves, sweeps, deleting customers, API keys.' },
  },
});

/** Who is calling: the key's id, name and scopes, and its own cost limit when an admin set one (else CLM_MAX_COST applies). */
export type Principal = { keyId: string; name: string; scopes: readonly Scope[]; maxCost?: number | null };

/** Whether `principal` may act with `scope`; `admin` implies every scope. */
export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.includes(Scope.ADMIN) || principal.scopes.includes(scope);
}
