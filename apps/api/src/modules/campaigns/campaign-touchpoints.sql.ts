import type { Queryable } from '../../database/db';
import { sql } from '../../database/sql';
import type { SqlFragment } from '../../database/sql';
import type { DayRange } from './campaign-spend.sql';
import { UnknownCampaign } from './dto/campaign.types';

/*
 * Reads of the daily touchpoint rollup of a module above this one (the
 * metrics projection's touchpoints per UTC day and campaign, '' = none): the
 * composition root hands it in as a relation, so this module names no table
 * of another. A campaign's counts are as current as that projection (they
 * never scan the touchpoint log).
 */

/**
 * What campaigns read of the modules above them: `touchpointsDaily` is a
 * relation with at least the columns `day date`, `campaign text` ('' when
 * none) and `touchpoints bigint` (touchpoints of that day and campaign).
 */
export type CampaignRelations = { touchpointsDaily: SqlFragment };

/** Touchpoints per campaign key within `range` (days of occurred_at, UTC, both ends included); keys without any are absent. */
export async function touchpointCounts(
  db: Queryable,
  relations: CampaignRelations,
  keys: readonly string[],
  range: DayRange,
): Promise<Map<string, number>> {
  const rows = await db.query<{ campaign: string; touchpoints: string }>(
    sql`SELECT m.campaign, sum(m.touchpoints)::text AS touchpoints
          FROM ${relations.touchpointsDaily} m
         WHERE m.campaign = ANY (${keys}::text[])
           AND (${range.from}::date IS NULL OR m.day >= ${range.from}::date) AND (${range.to}::date IS NULL OR m.day <= ${range.to}::date)
         GROUP BY m.campaign`,
  );
  return new Map(rows.map((row) => [row.campaign, Number(row.touchpoints)]));
}

/** A campaign key touchpoints carry that no campaign has. */
export type UnknownCampaignRow = { key: string; touchpoints: string; first_seen: string; last_seen: string };

/** Campaign keys in touchpoints without a campaign, most touchpoints first (then by key), at most `limit`. */
export function unknownCampaignKeys(db: Queryable, relations: CampaignRelations, limit: number): Promise<UnknownCampaignRow[]> {
  return db.query<UnknownCampaignRow>(
    sql`SELECT m.campaign AS key, sum(m.touchpoints)::text AS touchpoints,
               to_char(min(m.day), 'YYYY-MM-DD') AS first_seen, to_char(max(m.day), 'YYYY-MM-DD') AS last_seen
          FROM ${relations.touchpointsDaily} m
         WHERE m.campaign <> '' AND NOT EXISTS (SELECT 1 FROM campaigns c WHERE c.key = m.campaign)
         GROUP BY m.campaign
         ORDER BY sum(m.touchpoints) DESC, m.campaign
         LIMIT ${limit}`,
  );
}

export function toUnknownCampaign(row: UnknownCampaignRow): UnknownCampaign {
  return Object.assign(new UnknownCampaign(), {
    key: row.key,
    touchpoints: Number(row.touchpoints),
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
  });
}
