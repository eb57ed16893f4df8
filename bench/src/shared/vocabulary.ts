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
