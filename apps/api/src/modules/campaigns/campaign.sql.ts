import type { Queryable } from '../../database/db';
import { Campaign } from './campaign.type';
import type { ValidCampaign } from './campaign-validation';

/**
 * The campaigns relation, for the modules that use campaigns (the metrics'
 * CAC and ROI): one row per campaign with `key`, `name`, `channel`,
 * `starts_on`, `ends_on` (dates).
 */
export const CAMPAIGNS_TABLE = 'campaigns';

/** The `campaigns` table: its row, its one mapper and its statements. Days travel as `YYYY-MM-DD` text, never as JS dates. */
export type CampaignRow = {
  key: string;
  name: string;
  channel: string;
  starts_on: string;
  ends_on: string | null;
  created_at: Date;
  updated_at: Date;
};

const COLUMNS = `key, name, channel, to_char(starts_on, 'YYYY-MM-DD') AS starts_on, to_char(ends_on, 'YYYY-MM-DD') AS ends_on,
  created_at, updated_at`;

export function toCampaign(row: CampaignRow): Campaign {
  return Object.assign(new Campaign(), {
    key: row.key,
    name: row.name,
    channel: row.channel,
    startsOn: row.starts_on,
    endsOn: row.ends_on,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}

/** Inserts the campaign; null when its key is taken. */
export async function insertCampaign(db: Queryable, campaign: ValidCampaign): Promise<CampaignRow | null> {
  const rows = await db.query<CampaignRow>(
    `INSERT INTO campaigns (key, name, channel, starts_on, ends_on) VALUES ($1, $2, $3, $4::date, $5::date)
     ON CONFLICT (key) DO NOTHING RETURNING ${COLUMNS}`,
    [campaign.key, campaign.name, campaign.channel, campaign.startsOn, campaign.endsOn],
  );
  return rows[0] ?? null;
}

/** The campaign, locked against concurrent changes until the transaction ends when `lock` is set. */
export async function findCampaign(db: Queryable, key: string, options: { lock: boolean } = { lock: false }): Promise<CampaignRow | null> {
  const rows = await db.query<CampaignRow>(`SELECT ${COLUMNS} FROM campaigns WHERE key = $1 ${options.lock ? 'FOR UPDATE' : ''}`, [key]);
  return rows[0] ?? null;
}

/** Every campaign, latest start first. */
export function listCampaigns(db: Queryable): Promise<CampaignRow[]> {
  return db.query<CampaignRow>(`SELECT ${COLUMNS} FROM campaigns ORDER BY starts_on DESC, key`);
}

export async function updateCampaign(db: Queryable, campaign: ValidCampaign): Promise<CampaignRow> {
  const [row] = await db.query<CampaignRow>(
    `UPDATE campaigns SET name = $2, channel = $3, starts_on = $4::date, ends_on = $5::date, updated_at = now()
     WHERE key = $1 RETURNING ${COLUMNS}`,
    [campaign.key, campaign.name, campaign.channel, campaign.startsOn, campaign.endsOn],
  );
  return row;
}

/** Deletes the campaign and (by cascade) its spend; false when there is none. */
export async function deleteCampaign(db: Queryable, key: string): Promise<boolean> {
  return (await db.execute(`DELETE FROM campaigns WHERE key = $1`, [key])) > 0;
}

/**
 * Which of `keys` are campaigns, locked against deletion until the
 * transaction ends (so spend is never written for a campaign deleted
 * meanwhile).
 */
export async function lockExistingKeys(db: Queryable, keys: readonly string[]): Promise<Set<string>> {
  const rows = await db.query<{ key: string }>(`SELECT key FROM campaigns WHERE key = ANY ($1::text[]) ORDER BY key FOR SHARE`, [keys]);
  return new Set(rows.map((row) => row.key));
}
