import { Kind } from 'graphql';
import type { FieldNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';

/**
 * The sets already computed, by the field's nodes and the path: graphql-js
 * (and the compiled path) hand every item of a list the same `fieldNodes`
 * array, so a page of customers asks once for its twenty timelines, and the
 * loaders find the same set (the same key) each time.
 */
const computed = new WeakMap<readonly FieldNode[], Map<string, ReadonlySet<string>>>();

/**
 * The names of the fields a client selected at `path` below the field being
 * resolved (`['edges', 'node']` for the nodes of a connection), through
 * fragments and inline fragments. Readers select only the columns these need.
 */
export function selectedFields(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>, path: readonly string[]): ReadonlySet<string> {
  let byPath = computed.get(info.fieldNodes);
  if (!byPath) {
    byPath = new Map();
    computed.set(info.fieldNodes, byPath);
  }
  const key = path.join('.');
  let fields = byPath.get(key);
  if (!fields) {
    fields = collectSelectedFields(info, path);
    byPath.set(key, fields);
  }
  return fields;
}

function collectSelectedFields(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>, path: readonly string[]): Set<string> {
  let level: SelectionSetNode[] = info.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
  for (const name of path)
    level = fieldsOf(level, info)
      .filter((field) => field.name.value === name)
      .flatMap((field) => (field.selectionSet ? [field.selectionSet] : []));
  return new Set(fieldsOf(level, info).map((field) => field.name.value));
}

function fieldsOf(sets: readonly SelectionSetNode[], info: Pick<GraphQLResolveInfo, 'fragments'>): FieldNode[] {
  const fields: FieldNode[] = [];
  const pending = [...sets];
  const seen = new Set<string>();
  for (let set = pending.pop(); set !== undefined; set = pending.pop()) {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) fields.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) pending.push(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = info.fragments[selection.name.value];
        if (fragment) pending.push(fragment.selectionSet);
      }
    }
  }
  return fields;
}
