import { ClmError } from '../../server/errors';

/** Fields customers can be sorted by, with the column behind each. */
export const CUSTOMER_SORT_COLUMNS = {
  CREATED_AT: 'created_at',
  UPDATED_AT: 'updated_at',
  LAST_SEEN_AT: 'last_seen_at',
  FIRST_SEEN_AT: 'first_seen_at',
  STAGE_ENTERED_AT: 'stage_entered_at',
  REVENUE: 'revenue',
  ORDERS: 'orders',
  NAME: 'name',
  EMAIL: 'email',
} as const;

export type CustomerSortField = keyof typeof CUSTOMER_SORT_COLUMNS;
export type SortDirection = 'ASC' | 'DESC';

export type CustomerFilterSpec = {
  stages?: string[] | null;
  attributes?: Record<string, unknown> | null;
  search?: string | null;
  seenSince?: Date | null;
};

/** Where a page starts: the sort value (as PostgreSQL text, null for NULL) and the id that breaks ties. */
export type SortKey = { value: string | null; id: string };

/** Builds a parameterised WHERE clause; `parameters` is appended to. */
export function filterClause(filter: CustomerFilterSpec, parameters: unknown[]): string {
  const conditions: string[] = [];
  if (filter.stages && filter.stages.length > 0) {
    parameters.push(filter.stages);
    conditions.push(`c.stage = ANY ($${parameters.length}::text[])`);
  }
  if (filter.attributes && Object.keys(filter.attributes).length > 0) {
    parameters.push(JSON.stringify(filter.attributes));
    conditions.push(`c.attributes @> $${parameters.length}::jsonb`);
  }
  if (filter.search && filter.search.trim() !== '') {
    parameters.push(`%${filter.search.trim().replace(/[\\%_]/g, (match) => `\\${match}`)}%`);
    conditions.push(`(c.name ILIKE $${parameters.length} OR c.email ILIKE $${parameters.length})`);
  }
  if (filter.seenSince) {
    parameters.push(filter.seenSince.toISOString());
    conditions.push(`c.last_seen_at >= $${parameters.length}::timestamptz`);
  }
  return conditions.length === 0 ? 'TRUE' : conditions.join(' AND ');
}

/** One way to walk the list: the original order, or its reverse for `last`/`before`. */
export type Walk = { direction: SortDirection; nulls: 'FIRST' | 'LAST' };

export function forwardWalk(direction: SortDirection): Walk {
  return { direction, nulls: 'LAST' };
}

export function reverseWalk(direction: SortDirection): Walk {
  return { direction: direction === 'ASC' ? 'DESC' : 'ASC', nulls: 'FIRST' };
}

/** The keyset condition for rows strictly after `key` in the order (column, id) walked as `walk`. */
export function afterClause(column: string, walk: Walk, key: SortKey, parameters: unknown[]): string {
  const operator = walk.direction === 'ASC' ? '>' : '<';
  parameters.push(key.id);
  const id = `$${parameters.length}::uuid`;
  const sameNullAfter = `(c.${column} IS NULL AND c.id ${operator} ${id})`;
  if (key.value === null) return walk.nulls === 'LAST' ? sameNullAfter : `(${sameNullAfter} OR c.${column} IS NOT NULL)`;
  parameters.push(key.value);
  const value = `$${parameters.length}::${columnType(column)}`;
  const nonNullAfter = `(c.${column} ${operator} ${value} OR (c.${column} = ${value} AND c.id ${operator} ${id}))`;
  return walk.nulls === 'LAST' ? `(c.${column} IS NULL OR ${nonNullAfter})` : nonNullAfter;
}

export function orderClause(column: string, walk: Walk): string {
  return `c.${column} ${walk.direction} NULLS ${walk.nulls}, c.id ${walk.direction}`;
}

export function encodeSortKey(key: SortKey): string {
  return Buffer.from(JSON.stringify([key.value, key.id])).toString('base64url');
}

export function decodeSortKey(cursor: string, field: string): SortKey {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      (parsed[0] === null || typeof parsed[0] === 'string') &&
      typeof parsed[1] === 'string'
    ) {
      return { value: parsed[0], id: parsed[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw new ClmError('INVALID_CURSOR', `${field}: not a cursor returned by this API`, { field });
}

function columnType(column: string): string {
  if (column.endsWith('_at')) return 'timestamptz';
  if (column === 'revenue') return 'numeric';
  if (column === 'orders') return 'int';
  return 'text';
}
