/**
 * Campaigns: campaigns by key (the text touchpoints carry in `campaign`),
 * their spend per day (set, never added, so imports are idempotent), the
 * CSV import, and the campaign keys touchpoints carry that no campaign has.
 */
export { CampaignResolver } from './campaign.resolver';
export { CampaignService } from './campaign.service';
export type { CampaignRelations } from './campaign-touchpoints.sql';
export { CAMPAIGNS_TABLE } from './campaign.sql';
export { CAMPAIGN_SPEND_TABLE } from './campaign-spend.sql';
export { CampaignError } from './campaign.errors';
export type { CampaignErrorCode } from './campaign.errors';
