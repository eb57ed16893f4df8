import type { DataSource } from 'typeorm';
import { ClmError } from '../../server/errors';
import { StageTransition } from '../lifecycle/stage-transition.entity';
import { Touchpoint } from '../touchpoints/touchpoint.entity';

/** A page of one customer's timeline, newest first. */
export type TimelinePage<T> = {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
};

export type TimelineWindow = { first: number; after: string | null };

export const MAX_TIMELINE_PAGE = 200;

/**
 * Customers' touchpoints and transitions, newest first, for many customers
 * in one query each (the per-request loaders call these with every customer
 * of a page at once).
 */
export class TimelineService {
  constructor(private readonly dataSource: DataSource) {}

  touchpoints(customerIds: readonly string[], window: TimelineWindow): Promise<Map<string, TimelinePage<Touchpoint>>> {
    return this.pages(customerIds, window, 'touchpoints', Touchpoint);
  }

  transitions(customerIds: readonly string[], window: TimelineWindow): Promise<Map<string, TimelinePage<StageTransition>>> {
    return this.pages(customerIds, window, 'stage_transitions', StageTransition);
  }

  private async pages<T extends Touchpoint | StageTransition>(
    customerIds: readonly string[],
    window: TimelineWindow,
    table: 'touchpoints' | 'stage_transitions',
    entity: new () => T,
  ): Promise<Map<string, TimelinePage<T>>> {
    if (!Number.isInteger(window.first) || window.first < 0 || window.first > MAX_TIMELINE_PAGE) {
      throw new ClmError('INVALID_INPUT', `first: must be between 0 and ${MAX_TIMELINE_PAGE}`, { field: 'first' });
    }
    const after = window.after === null ? null : decodeTimelineCursor(window.after);
    const rows: Array<{ customer_id: string; id: string; sort_value: string }> = await this.dataSource.query(
      `SELECT k.customer_id, t.id::text AS id, t.occurred_at::text AS sort_value
         FROM unnest($1::uuid[]) AS k(customer_id)
         CROSS JOIN LATERAL (
           SELECT id, occurred_at FROM ${table}
            WHERE customer_id = k.customer_id
              AND ($2::timestamptz IS NULL OR (occurred_at, id) < ($2::timestamptz, $3::bigint))
            ORDER BY occurred_at DESC, id DESC
            LIMIT $4) t`,
      [customerIds, after?.occurredAt ?? null, after?.id ?? null, window.first + 1],
    );
    const counts: Array<{ customer_id: string; count: number }> = await this.dataSource.query(
      `SELECT customer_id, count(*)::int AS count FROM ${table} WHERE customer_id = ANY ($1::uuid[]) GROUP BY customer_id`,
      [customerIds],
    );
    const nodes =
      rows.length === 0
        ? []
        : await this.dataSource
            .getRepository(entity)
            .createQueryBuilder('t')
            .whereInIds(rows.map((row) => row.id))
            .getMany();
    const nodeById = new Map(nodes.map((node) => [node.id, node]));
    const countOf = new Map(counts.map((row) => [row.customer_id, row.count]));
    const pages = new Map<string, TimelinePage<T>>();
    for (const customerId of customerIds) {
      const mine = rows.filter((row) => row.customer_id === customerId);
      const edges = mine.slice(0, window.first).map((row) => ({
        cursor: Buffer.from(JSON.stringify([row.sort_value, row.id])).toString('base64url'),
        node: nodeById.get(row.id) as T,
      }));
      pages.set(customerId, {
        edges,
        pageInfo: {
          hasNextPage: mine.length > window.first,
          hasPreviousPage: after !== null,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
        totalCount: countOf.get(customerId) ?? 0,
      });
    }
    return pages;
  }
}

function decodeTimelineCursor(cursor: string): { occurredAt: string; id: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && typeof parsed[0] === 'string' && typeof parsed[1] === 'string' && /^\d+$/.test(parsed[1])) {
      return { occurredAt: parsed[0], id: parsed[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw new ClmError('INVALID_CURSOR', 'after: not a cursor returned by this API', { field: 'after' });
}
