import DataLoader from 'dataloader';
import { invalidInput } from '../../core/errors';
import { formatTenThousandths } from '../../core/money';
import { requestScoped } from '../../core/request-context';
import type { RequestScoped } from '../../core/request-context';
import type { Db } from '../../database/db';
import type { Campaign } from './campaign.type';
import { campaignExists, campaignNotFound, invalidItems } from './campaign.errors';
import { deleteCampaign, findCampaign, insertCampaign, listCampaigns, lockExistingKeys, toCampaign, updateCampaign } from './campaign.sql';
import { setSpend, spendDays } from './campaign-spend.sql';
import type { DayRange } from './campaign-spend.sql';
import { toUnknownCampaign, touchpointCounts, unknownCampaignKeys } from './campaign-touchpoints.sql';
import type { CampaignRelations } from './campaign-touchpoints.sql';
import {
  checkCampaignKey,
  checkDay,
  issue,
  MAX_SPEND_ROWS,
  mutationSpendNamer,
  validateCampaign,
  validateSpend,
} from './campaign-validation';
import type { CampaignSubmission, Issue, SpendNamer, SpendRow, SpendSubmission } from './campaign-validation';
import type { CampaignSpend, SpendRecorded, UnknownCampaign } from './dto/campaign.types';
import { readSpendCsv } from './spend-csv';

/** One campaign's spend or touchpoints over a range of days: what the per-request loaders batch. */
export type CampaignRangeKey = { campaign: string; range: DayRange };

/** The most unknown campaign keys one `unknownCampaigns` call lists. */
export const MAX_UNKNOWN_CAMPAIGNS = 1000;

/**
 * Campaigns and their spend per day. Writes need the admin scope (the
 * resolver checks it); spend is all or nothing per call, and setting a
 * campaign's spend for a day replaces it, so re-importing a file changes
 * nothing.
 */
export class CampaignService {
  /** Spend of many campaigns in one statement per distinct range, per request. */
  readonly spendOf: RequestScoped<DataLoader<CampaignRangeKey, CampaignSpend, string>> = requestScoped(
    () => new DataLoader((keys: readonly CampaignRangeKey[]) => this.loadSpend(keys), { cacheKeyFn: rangeKeyId }),
  );

  /** Touchpoint counts of many campaigns in one statement per distinct range, per request. */
  readonly touchpointsOf: RequestScoped<DataLoader<CampaignRangeKey, number, string>> = requestScoped(
    () => new DataLoader((keys: readonly CampaignRangeKey[]) => this.loadTouchpoints(keys), { cacheKeyFn: rangeKeyId }),
  );

  constructor(
    private readonly db: Db,
    private readonly relations: CampaignRelations,
  ) {}

  async list(): Promise<Campaign[]> {
    return (await listCampaigns(this.db)).map(toCampaign);
  }

  /** The campaign with this key, or null. */
  async find(key: string): Promise<Campaign | null> {
    const row = await findCampaign(this.db, keyArgument(key));
    return row === null ? null : toCampaign(row);
  }

  async create(input: CampaignSubmission): Promise<Campaign> {
    const checked = validateCampaign(input, 'input');
    if ('issues' in checked) throw invalidItems(checked.issues, 'campaign not created');
    const row = await insertCampaign(this.db, checked.campaign);
    if (row === null) throw campaignExists(checked.campaign.key);
    return toCampaign(row);
  }

  /** Changes the given fields (an explicit null `endsOn` makes the campaign open-ended); the merged campaign is validated whole. */
  async update(key: string, changes: Omit<CampaignSubmission, 'key'>): Promise<Campaign> {
    const campaignKey = keyArgument(key);
    return this.db.transaction(async (uow) => {
      const current = await findCampaign(uow, campaignKey, { lock: true });
      if (current === null) throw campaignNotFound(campaignKey);
      const merged: CampaignSubmission = {
        key: current.key,
        name: changes.name ?? current.name,
        channel: changes.channel ?? current.channel,
        startsOn: changes.startsOn ?? current.starts_on,
        endsOn: changes.endsOn === undefined ? current.ends_on : changes.endsOn,
      };
      const checked = validateCampaign(merged, 'input');
      if ('issues' in checked) throw invalidItems(checked.issues, 'campaign not updated');
      return toCampaign(await updateCampaign(uow, checked.campaign));
    });
  }

  /** Deletes the campaign and its spend; false when there was none. Touchpoints keep the key as text. */
  delete(key: string): Promise<boolean> {
    return deleteCampaign(this.db, keyArgument(key));
  }

  /** Sets the spend of each (campaign, day) in `items`: all of them, or none when any is invalid. */
  recordSpend(items: readonly SpendSubmission[]): Promise<SpendRecorded> {
    if (items.length > MAX_SPEND_ROWS) throw invalidInput('spend', `at most ${MAX_SPEND_ROWS} rows per call, got ${items.length}`);
    const checked = validateSpend(items, mutationSpendNamer);
    if ('issues' in checked) throw invalidItems(checked.issues, 'nothing recorded');
    return this.writeSpend(checked.rows, mutationSpendNamer);
  }

  /** Sets the spend of each row of a CSV text (header campaign,day,amount): all of them, or none when any is invalid. */
  importSpend(csv: string): Promise<SpendRecorded> {
    const read = readSpendCsv(csv);
    if ('issues' in read) throw invalidItems(read.issues, 'nothing imported');
    return this.writeSpend(read.rows, read.lines);
  }

  /** Campaign keys touchpoints carry that no campaign has, most touchpoints first. */
  async unknownCampaigns(first: number): Promise<UnknownCampaign[]> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_UNKNOWN_CAMPAIGNS) {
      throw invalidInput('first', `must be a whole number from 1 to ${MAX_UNKNOWN_CAMPAIGNS}, got ${first}`);
    }
    return (await unknownCampaignKeys(this.db, this.relations, first)).map(toUnknownCampaign);
  }

  /** A day range from `from`/`to` arguments (both included), checked. */
  dayRange(from: string | null | undefined, to: string | null | undefined): DayRange {
    const day = (value: string | null | undefined, field: string): string | null => {
      if (value == null) return null;
      const checked = checkDay(value);
      if (!checked.ok) throw invalidInput(field, checked.problem);
      return checked.value;
    };
    const range = { from: day(from, 'from'), to: day(to, 'to') };
    if (range.from !== null && range.to !== null && range.to < range.from) {
      throw invalidInput('to', `${range.to} is before from ${range.from}`);
    }
    return range;
  }

  /**
   * Writes valid rows in one transaction. Campaigns are locked against
   * deletion first; rows naming a campaign that does not exist are refused
   * (each named), since spend is attached to campaigns you created, never
   * to a typo.
   */
  private writeSpend(rows: readonly SpendRow[], name: SpendNamer): Promise<SpendRecorded> {
    return this.db.transaction(async (uow) => {
      const keys = [...new Set(rows.map((row) => row.campaign))];
      const existing = await lockExistingKeys(uow, keys);
      const unknown: Issue[] = rows
        .filter((row) => !existing.has(row.campaign))
        .map((row) =>
          issue(name(row.index, 'campaign'), `no campaign with key ${JSON.stringify(row.campaign)}; create it first (createCampaign)`),
        );
      if (unknown.length > 0) throw invalidItems(unknown, 'nothing recorded');
      const changed = rows.length === 0 ? 0 : await setSpend(uow, rows);
      const total = rows.reduce((sum, row) => sum + row.amount.units, 0n);
      return { rows: rows.length, changed, campaigns: keys.length, total: formatTenThousandths(total) };
    });
  }

  private async loadSpend(keys: readonly CampaignRangeKey[]): Promise<CampaignSpend[]> {
    const found = new Map<string, CampaignSpend>();
    for (const [range, campaigns] of byRange(keys)) {
      const days = await spendDays(this.db, campaigns, range);
      for (const campaign of campaigns) found.set(rangeKeyId({ campaign, range }), { total: '0.0000', days: [] });
      for (const row of days) found.get(rangeKeyId({ campaign: row.campaign_key, range }))?.days.push({ day: row.day, amount: row.amount });
    }
    return keys.map((key) => {
      const spend = found.get(rangeKeyId(key)) ?? { total: '0.0000', days: [] };
      const units = spend.days.reduce((sum, day) => sum + tenThousandthsOf(day.amount), 0n);
      return { total: formatTenThousandths(units), days: spend.days };
    });
  }

  private async loadTouchpoints(keys: readonly CampaignRangeKey[]): Promise<number[]> {
    const counts = new Map<string, number>();
    for (const [range, campaigns] of byRange(keys)) {
      const found = await touchpointCounts(this.db, this.relations, campaigns, range);
      for (const campaign of campaigns) counts.set(rangeKeyId({ campaign, range }), found.get(campaign) ?? 0);
    }
    return keys.map((key) => counts.get(rangeKeyId(key)) ?? 0);
  }
}

/** A key argument (`campaign(key:)`, `updateCampaign(key:)`): trimmed like stored keys, refused when it could not be one. */
function keyArgument(key: string): string {
  const checked = checkCampaignKey(key);
  if (!checked.ok) throw invalidInput('key', checked.problem);
  return checked.value;
}

function rangeKeyId(key: CampaignRangeKey): string {
  return JSON.stringify([key.campaign, key.range.from, key.range.to]);
}

/** Loader keys grouped by range: one statement per distinct range. */
function byRange(keys: readonly CampaignRangeKey[]): Map<DayRange, string[]> {
  const groups = new Map<string, { range: DayRange; campaigns: string[] }>();
  for (const key of keys) {
    const id = JSON.stringify([key.range.from, key.range.to]);
    const group = groups.get(id) ?? { range: key.range, campaigns: [] };
    group.campaigns.push(key.campaign);
    groups.set(id, group);
  }
  return new Map([...groups.values()].map((group) => [group.range, group.campaigns]));
}

/** Ten-thousandths of an amount read back as `round(amount, 4)::text`, which always has exactly 4 decimals and no sign. */
function tenThousandthsOf(text: string): bigint {
  return BigInt(text.replace('.', ''));
}
