import { seriesMetric } from '../metric-definition';
import { distinct, LO, touchpointSum } from '../metric-parts';
import { MENTION, PAGE_VIEW, SOCIAL_ENGAGEMENT, SOCIAL_SHARE } from '../vocabulary';

/** A count of touchpoints of `types` in the window (touchpoint metrics: the channel and campaign filter the touchpoint). */
function touchpointCount(description: string, types: readonly string[]) {
  return seriesMetric({
    family: 'awareness',
    description,
    parts: (on, query) => ({ count: touchpointSum(on, query, types, 'touchpoints', LO) }),
    value: (parts) => parts.count,
  });
}

/** Awareness / reach: website traffic, social engagement, brand mentions. */
export const awareness = {
  pageViews: touchpointCount('Page views: `page_view` touchpoints (by occurredAt).', [PAGE_VIEW]),
  uniqueVisitors: seriesMetric({
    family: 'awareness',
    description: 'Unique visitors: distinct customers with a `page_view` in the window.',
    parts: (on) => ({ visitors: distinct(on, 'visit') }),
    value: (parts) => parts.visitors,
  }),
  socialEngagements: touchpointCount('Social engagements: `social_engagement` touchpoints (likes, comments, follows).', [
    SOCIAL_ENGAGEMENT,
  ]),
  socialShares: touchpointCount('Social shares: `social_share` touchpoints.', [SOCIAL_SHARE]),
  brandMentions: touchpointCount('Brand mentions: `mention` touchpoints.', [MENTION]),
};
