import { sql } from '../../database/sql';
import type { SqlFragment } from '../../database/sql';

/**
 * The touchpoint types the metrics read, in the vocabulary clm documents
 * (README, Concepts). Any other type still counts as activity.
 */
export const PAGE_VIEW = 'page_view';
export const PURCHASE = 'purchase';
export const REFERRAL = 'referral';
export const SOCIAL_ENGAGEMENT = 'social_engagement';
export const SOCIAL_SHARE = 'social_share';
export const MENTION = 'mention';
/** An NPS answer: `properties.score`, an integer 0–10. */
export const NPS_SURVEY = 'survey_response';
/** A satisfaction answer: `properties.score`, an integer 1–5. */
export const CSAT_SURVEY = 'feedback';

/** Touchpoints that show a customer engaging with the product or brand (the engagement rate's numerator). */
export const ENGAGEMENT_TYPES: readonly string[] = [
  'login',
  'feature_used',
  'product_usage',
  'email_open',
  'email_click',
  'social_engagement',
  'social_share',
  'webinar_attended',
  'content_download',
  'review',
  'survey_response',
  'feedback',
  'support_ticket',
  'referral',
  'onboarding_completed',
];

/** Kinds of activity whose distinct customers are counted over any range of days. */
export const ACTIVITY_KINDS = ['active', 'visit', 'engaged', 'referral'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

/** The SQL expression (over a touchpoint aliased `t`) giving the activity kinds of a touchpoint; `engagementTypes` is a text[] of the engagement types. */
export function activityKindsOf(engagementTypes: SqlFragment): SqlFragment {
  return sql`(VALUES ('active'),
        (CASE WHEN t.type = ${sql.raw(`'${PAGE_VIEW}'`)} THEN 'visit' END),
        (CASE WHEN t.type = ANY(${engagementTypes}) THEN 'engaged' END),
        (CASE WHEN t.type = ${sql.raw(`'${REFERRAL}'`)} THEN 'referral' END))`;
}

/** The same for the projection's statement, where $5 is ENGAGEMENT_TYPES. */
export const ACTIVITY_KINDS_SQL = activityKindsOf(sql.raw('$5::text[]')).text;

/** Survey kinds and the valid range of their scores. */
export const SCORE_KINDS = [
  { kind: 'nps', type: NPS_SURVEY, min: 0, max: 10 },
  { kind: 'csat', type: CSAT_SURVEY, min: 1, max: 5 },
] as const;

/** The SQL giving a touchpoint's (aliased `t`) survey kind and score, or no row: an integer score within its kind's range. */
export const SCORE_SQL = `(SELECT k.kind, (t.properties ->> 'score')::numeric::smallint AS score
         FROM (VALUES ${SCORE_KINDS.map((k) => `('${k.kind}', '${k.type}', ${k.min}, ${k.max})`).join(', ')}) k(kind, type, lo, hi)
        WHERE t.type = k.type
          AND jsonb_typeof(t.properties -> 'score') = 'number'
          AND (t.properties ->> 'score')::numeric BETWEEN k.lo AND k.hi
          AND (t.properties ->> 'score')::numeric = trunc((t.properties ->> 'score')::numeric))`;
