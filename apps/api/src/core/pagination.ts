import { invalidInput } from './errors';

/** Relay arguments as the caller sent them. */
export type PageRequest = { first?: number | null; after?: string | null; last?: number | null; before?: string | null };

/** Which slice to read: how many, in which direction, from which cursor. */
export type PageWindow = { size: number; backwards: boolean; cursor: string | null };

export type PageInfo = { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };

/** A Relay page; `totalCount` is computed only when a client selects it. */
export type Page<T> = { edges: Array<{ cursor: string; node: T }>; pageInfo: PageInfo };

export type PageLimits = { defaultSize: number; maxSize: number };

/** Reads first/after/last/before into one window, refusing sizes out of bounds. */
export function pageWindow(page: PageRequest, limits: PageLimits): PageWindow {
  if (page.first != null && page.last != null) throw invalidInput('last', 'give first or last, not both');
  const backwards = page.last != null || (page.before != null && page.after == null);
  const field = backwards ? 'last' : 'first';
  const size = (backwards ? page.last : page.first) ?? limits.defaultSize;
  if (!Number.isInteger(size) || size < 0 || size > limits.maxSize) throw invalidInput(field, `must be between 0 and ${limits.maxSize}`);
  return { size, backwards, cursor: (backwards ? page.before : page.after) ?? null };
}

/**
 * Builds a page from rows read in walking order with one look-ahead row
 * (`size + 1` asked for): drops the extra row, restores the list order when
 * walking backwards, and fills pageInfo.
 */
export function toPage<Row, T>(rows: readonly Row[], window: PageWindow, cursorOf: (row: Row) => string, nodeOf: (row: Row) => T): Page<T> {
  const hasMore = rows.length > window.size;
  const slice = rows.slice(0, window.size);
  if (window.backwards) slice.reverse();
  return pageOf(
    slice.map((row) => lazyEdge(row, cursorOf, nodeOf(row))),
    window.backwards ? window.cursor !== null : hasMore,
    window.backwards ? hasMore : window.cursor !== null,
  );
}

/**
 * An edge whose cursor is encoded when it is read: most reads select the
 * nodes only, and a page of customers with their touchpoints would
 * otherwise encode a hundred cursors nobody asked for.
 */
export function lazyEdge<Row, T>(row: Row, cursorOf: (row: Row) => string, node: T): { cursor: string; node: T } {
  return {
    get cursor() {
      return cursorOf(row);
    },
    node,
  };
}

/** A page of `edges`; its start and end cursors are read from the edges when asked for. */
export function pageOf<T>(edges: Array<{ cursor: string; node: T }>, hasNextPage: boolean, hasPreviousPage: boolean): Page<T> {
  return {
    edges,
    pageInfo: {
      hasNextPage,
      hasPreviousPage,
      get startCursor() {
        return edges[0]?.cursor ?? null;
      },
      get endCursor() {
        return edges.at(-1)?.cursor ?? null;
      },
    },
  };
}
