import { getNamedType, isObjectType, Kind } from 'graphql';
import type { GraphQLNamedType, GraphQLResolveInfo, SelectionSetNode } from 'graphql';
import { ClmError, CoreError } from '../core/errors';
import { hasScope, Scope } from '../core/principal';
import type { Principal } from '../core/principal';

/**
 * What a key that may write but not read (an `ingest` key) may read back:
 * what it wrote. That is the outcome types of its mutations (statuses, ids,
 * item errors) and a customer's `id`. Anything else a mutation returns (a
 * customer's email, revenue, touchpoints, transitions, ...) needs the read
 * scope.
 */
const READABLE_TYPES = new Set(['TouchpointResult', 'TouchpointBatchResult', 'ItemError']);
const READABLE_FIELDS = new Set(['Customer.id']);

/**
 * Refuses a mutation field of a write-only key that selects something it may
 * not read. Called by the scope checker before the mutation runs, so nothing
 * is written; a key without the mutation's own scope hears about that first.
 */
export function checkWriteOnlySelection(info: GraphQLResolveInfo, principal: Principal): void {
  if (info.parentType.name !== 'Mutation' || hasScope(principal, Scope.READ)) return;
  const refused = new Set<string>();
  walk(
    info.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : [])),
    getNamedType(info.returnType),
    info,
    refused,
  );
  if (refused.size === 0) return;
  throw new ClmError(
    CoreError.FORBIDDEN,
    `key "${principal.name}" may write but not read: it can read back ids and statuses only, not ${[...refused].join(', ')}; select \`id\` only, or use a key with the read scope`,
  );
}

function walk(sets: readonly SelectionSetNode[], type: GraphQLNamedType, info: GraphQLResolveInfo, refused: Set<string>): void {
  if (!isObjectType(type)) return;
  const fields = type.getFields();
  for (const set of sets) {
    for (const selection of set.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk([selection.selectionSet], type, info, refused);
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = info.fragments[selection.name.value];
        if (fragment) walk([fragment.selectionSet], type, info, refused);
      } else if (selection.name.value !== '__typename') {
        const name = `${type.name}.${selection.name.value}`;
        if (!READABLE_TYPES.has(type.name) && !READABLE_FIELDS.has(name)) refused.add(name);
        const field = fields[selection.name.value];
        if (field && selection.selectionSet) walk([selection.selectionSet], getNamedType(field.type), info, refused);
      }
    }
  }
}
