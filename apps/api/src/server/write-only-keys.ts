import { GraphQLError, TypeInfo, visit, visitWithTypeInfo } from 'graphql';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { hasScope, Scope } from '../core/principal';
import type { Principal } from '../core/principal';

/**
 * What a key that may write but not read (an `ingest` key) may read back:
 * what it wrote. That is the outcome types of its mutations (statuses, ids,
 * item errors), a customer's `id`, and the `viewer`. Anything else (a
 * customer's email, revenue, touchpoints, transitions, ...) needs the read
 * scope, also when it comes back as a mutation's result.
 */
const READABLE_TYPES = new Set(['Mutation', 'TouchpointResult', 'TouchpointBatchResult', 'ItemError', 'Viewer']);
const READABLE_FIELDS = new Set(['Customer.id', 'Query.viewer']);

/**
 * Refuses, before anything runs, an operation of a write-only key that
 * selects a field it may not read; null when the key may read, or the
 * operation selects only what it may.
 */
export function writeOnlyKeyError(schema: GraphQLSchema, document: DocumentNode, principal: Principal): GraphQLError | null {
  if (hasScope(principal, Scope.READ)) return null;
  const typeInfo = new TypeInfo(schema);
  const refused: string[] = [];
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType()?.name;
        if (parent === undefined || node.name.value === '__typename') return;
        const field = `${parent}.${node.name.value}`;
        if (!READABLE_TYPES.has(parent) && !READABLE_FIELDS.has(field) && !refused.includes(field)) refused.push(field);
      },
    }),
  );
  if (refused.length === 0) return null;
  return new GraphQLError(
    `key "${principal.name}" may write but not read: it can read back ids and statuses only, not ${refused.join(', ')}; select \`id\` only, or use a key with the read scope`,
    { extensions: { code: 'FORBIDDEN', http: { status: 403 } } },
  );
}
