/*
 * The metrics projection's tables that modules below this one read (handed
 * to them as relations by the composition root, server/services.ts), named
 * once here so that the projection writing them and every reader agree.
 */

/** Touchpoints and their value per UTC day, type, channel and campaign ('' = none): `day`, `type`, `channel`, `campaign`, `touchpoints`, `value_sum`. */
export const METRIC_TOUCHPOINTS_DAILY_TABLE = 'metric_touchpoints_daily';

/**
 * One row per acquired customer: `customer_id`, `acquired_at`, `stage`, the
 * acquiring touch's `touchpoint_id`, `channel`, `campaign`, and the first
 * touch's `first_touch_at`, `first_touch_channel`, `first_touch_campaign`.
 */
export const CUSTOMER_ACQUISITIONS_TABLE = 'customer_acquisitions';

/** Each customer's latest score of each kind and UTC day: `kind`, `customer_id`, `day`, `score`, `scored_at`, `touchpoint_id`. */
export const METRIC_CUSTOMER_SCORES_TABLE = 'metric_customer_scores';
