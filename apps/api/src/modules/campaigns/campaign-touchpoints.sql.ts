import type { Queryable } from '../../database/db';
import type { DayRange } from './campaign-spend.sql';
import { UnknownCampaign } from './dto/campaign.types';

/*
 * Reads of `metric_touchpoints_daily`, the metrics projection's rollup of
 * touchpoints per UTC day, type, channel and campaign ('' = none). The
 * projection owns and writes the table; campaigns only read it, so a
 * campaign's counts are as current as the projection (they never scan the
 * touchpoint log).
 */

/** Touchpoints per campaign key within `range` (days of occurred_at, UTC, both ends included); keys without any are absent. */
export async function touchpointCounts(db: Queryable, keys: readonly string[], range: DayRange): Promise<Map<string, number>> {
  const rows = await db.query<{ campaign: string; touchpoints: string }>(
    `SELECT campaign, sum(touchpoints)::text AS touchpoints
       FROM metric_touchpoints_daily
      WHERE campaign = ANY ($1::text[]) AND ($2::date IS NULL OR day >= $2::date) AND ($3::date IS NULL OR day <= $3::date)
      GROUP BY campaign`,
    [keys, range.from, range.to],
  );
  return new Map(rows.map((row) => [row.campaign, Number(row.touchpoints)]));
}

/** A campaign key touchpoints carry that no campaign has. */
export type UnknownCampaignRow = { key: string; touchpoints: string; first_seen: string; last_seen: string };

/** Campaign keys in touchpoints without a campaign, most touchpoints first (then by key), at most `limit`. */
export function unknownCampaignKeys(db: Queryable, limit: number): Promise<UnknownCampaignRow[]> {
  return db.query<UnknownCampaignRow>(
    `SELECT m.campaign AS key, sum(m.touchpoints)::text AS touchpoints,
            to_char(min(m.day), 'YYYY-MM-DD') AS first_seen, to_char(max(m.day), 'YYYY-MM-DD') AS last_seen
       FROM metric_touchpoints_daily m
      WHERE m.campaign <> '' AND NOT EXISTS (SELECT 1 FROM campaigns c WHERE c.key = m.campaign)
      GROUP BY m.campaign
      ORDER BY sum(m.touchpoints) DESC, m.campaign
      LIMIT $1`,
    [limit],
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
