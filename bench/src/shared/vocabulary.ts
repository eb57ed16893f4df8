/** Values the generated workloads and datasets draw from, the same in every benchmark. */

/** Pages a page view names. */
export const PAGES = ['home', 'pricing', 'blog', 'docs', 'product', 'features', 'checkout'];
/** Campaign keys of the ingest workload and the reads dataset (the metrics dataset has its own, with spend). */
export const CAMPAIGN_KEYS = ['spring-launch', 'newsletter-03', 'onboarding', 'winback-q2', 'black-friday'];
/** Currencies of a purchase, USD most often. */
export const CURRENCIES = ['USD', 'USD', 'USD', 'EUR', 'EUR', 'GBP'];

/** When clm stored touchpoint `index` that happened at `time`: a moment after the event. */
export function receivedAt(time: number, index: number): number {
  return time + 200 + ((index * 7919) % 4800);
}

const NETWORKS = ['linkedin', 'x', 'instagram', 'youtube'];

/** A touchpoint's properties, drawn from the random bits (or score) in `detail`; `id` is the touchpoint's id. */
export function touchpointProperties(type: string, detail: number, id: number): Record<string, string | number> {
  switch (type) {
    case 'page_view':
      return { page: PAGES[detail % PAGES.length], duration_ms: 500 + ((detail >>> 3) % 120_000) };
    case 'email_click':
      return { link: ['cta', 'footer', 'hero'][detail % 3] };
    case 'login':
      return { method: ['password', 'sso', 'magic_link'][detail % 3] };
    case 'signup':
      return { plan: ['free', 'trial'][detail % 2] };
    case 'purchase':
      return { sku: `sku-${1 + (detail % 300)}`, quantity: 1 + ((detail >>> 12) % 3), order_id: `o-${id}` };
    case 'review':
      return { rating: detail };
    case 'survey_response':
      return { survey: 'nps', score: detail };
    case 'feedback':
      return { survey: 'csat', score: detail };
    case 'referral':
      return { code: `ref-${(detail >>> 6).toString(36)}` };
    case 'mention':
      return { network: NETWORKS[detail % NETWORKS.length], sentiment: ['positive', 'neutral', 'negative'][(detail >>> 4) % 3] };
    case 'social_engagement':
      return { network: NETWORKS[detail % NETWORKS.length], action: ['like', 'comment', 'follow'][(detail >>> 4) % 3] };
    case 'social_share':
      return { network: NETWORKS[detail % NETWORKS.length] };
    default:
      return {};
  }
}
