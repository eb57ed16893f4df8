import type { QueryResultRow } from 'pg';
import { isoDay } from '../../core/dates';
import type { Queryable } from '../../database/db';
import { sql } from '../../database/sql';
import type { SqlFragment } from '../../database/sql';
import { MetricSources } from './metric-sources';
import type { RelationName } from './metric-sources';
import type { MetricsQuery } from './metric-types';
import type { DayWindow } from './metric-windows';
import { ENGAGEMENT_TYPES } from './vocabulary';

/**
 * A relation by name, as the query's filter and mode resolve it (see metric-sources.ts), and whether that is the
 * projection's table (with its indexes) rather than a common table expression computed for the statement.
 */
export type Relations = ((name: RelationName) => SqlFragment) & { projected(name: RelationName): boolean };

/** The relations of `sources` as a metric's parts read them. */
export function relationsOf(sources: MetricSources): Relations {
  return Object.assign((name: RelationName) => sources.relation(name), { projected: (name: RelationName) => sources.isProjected(name) });
}

/** Per window, the named parts a metric is computed from. */
export type Parts = Record<string, number>;

/**
 * A metric's parts as SQL, each one value per window: the window is `w`, its
 * first day `w.lo` and the day after its last `w.hi` (dates). `query` gives
 * the filter, the attribution and the model.
 */
export type PartsSql = (on: Relations, query: MetricsQuery) => Record<string, SqlFragment>;

/** What a metric definition computes with: the validated query, and the two ways to run SQL over the metric relations. */
export type MetricContext = {
  readonly query: MetricsQuery;
  /**
   * The parts for every window, in the order of `windows`. Every metric of
   * one request that asks in the same turn of the event loop is answered by
   * the same statement.
   */
  evaluate(windows: readonly DayWindow[], parts: PartsSql): Promise<Parts[]>;
  /** The rows of a statement of the metric's own, built over the query's relations (end it with `sources.statement`). */
  rows<Row extends QueryResultRow>(build: (sources: MetricSources) => SqlFragment): Promise<Row[]>;
};

/** The relations of one statement for `query`. */
export function sourcesOf(query: MetricsQuery): MetricSources {
  return new MetricSources(
    query.filter,
    {
      funnel: query.model.stages.map((stage) => stage.key),
      acquiredStage: query.model.acquiredStage,
      engagementTypes: ENGAGEMENT_TYPES,
      attribution: query.attribution,
      lookbackDays: query.lookbackDays,
    },
    query.mode ?? 'auto',
  );
}

type PartsRequest = { windows: readonly DayWindow[]; parts: PartsSql };

/**
 * One statement answering several metrics' parts: per metric, a SELECT over
 * its windows (`unnest` of their bounds), all joined by UNION ALL, sharing
 * the relations computed on the fly (each computed once).
 */
export function partsStatement(query: MetricsQuery, requests: readonly PartsRequest[]): SqlFragment {
  const sources = sourcesOf(query);
  const on = relationsOf(sources);
  const selects = requests.map((request, index) => {
    const parts = request.parts(on, query);
    const object = sql.join(Object.entries(parts).map(([name, part]) => sql`${name}::text, (${part})::text`));
    const lows = request.windows.map((window) => isoDay(window.from));
    const highs = request.windows.map((window) => isoDay(window.until));
    return sql`SELECT ${index}::int AS request, w.position::int AS position, jsonb_build_object(${object}) AS parts
                 FROM unnest(${lows}::date[], ${highs}::date[]) WITH ORDINALITY w(lo, hi, position)`;
  });
  return sources.statement(sql.join(selects, '\nUNION ALL\n'));
}

type PartsRow = { request: number; position: number; parts: Record<string, string | null> };

/** Runs `partsStatement`: per request, its parts in the order of its windows. */
export async function evaluateParts(db: Queryable, query: MetricsQuery, requests: readonly PartsRequest[]): Promise<Parts[][]> {
  const rows = await db.query<PartsRow>(partsStatement(query, requests));
  const results: Parts[][] = requests.map((request) => request.windows.map(() => ({})));
  for (const row of rows) {
    results[row.request][row.position - 1] = Object.fromEntries(Object.entries(row.parts).map(([name, value]) => [name, Number(value)]));
  }
  return results;
}

type Pending = PartsRequest & { resolve: (parts: Parts[]) => void; reject: (error: unknown) => void };

/**
 * Gathers the parts asked for one query within one turn of the event loop
 * (GraphQL resolves a request's sibling fields together) and answers them
 * with one statement.
 */
export class PartsBatcher {
  private readonly open = new WeakMap<MetricsQuery, Pending[]>();

  constructor(private readonly db: Queryable) {}

  evaluate(query: MetricsQuery, windows: readonly DayWindow[], parts: PartsSql): Promise<Parts[]> {
    return new Promise((resolve, reject) => {
      let batch = this.open.get(query);
      if (!batch) {
        const started: Pending[] = [];
        batch = started;
        this.open.set(query, started);
        setImmediate(() => {
          this.open.delete(query);
          void this.run(query, started);
        });
      }
      batch.push({ windows, parts, resolve, reject });
    });
  }

  private async run(query: MetricsQuery, batch: readonly Pending[]): Promise<void> {
    try {
      const results = await evaluateParts(this.db, query, batch);
      batch.forEach((pending, index) => pending.resolve(results[index]));
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
  }
}
