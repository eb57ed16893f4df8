import { logGamma } from './special-functions';
import type { SpendSummary } from './summary';

/*
 * The Gamma-Gamma model of spend per purchase (Fader, Hardie & Lee, "RFM and
 * CLV: Using Iso-Value Curves for Customer Base Analysis", 2005; Fader &
 * Hardie, "The Gamma-Gamma Model of Monetary Value", 2013). Parameters p, q,
 * γ (written v in the API, as lifetimes does). Each purchase of a customer is
 * worth z ~ Gamma(p, ν), and ν ~ Gamma(q, γ) across customers; spend is
 * assumed independent of the purchase process. Fitted on repeat buyers, with
 * x their repeat purchases and m their mean repeat-purchase value.
 */

/** The parameters' names in order. */
export const GAMMA_GAMMA_PARAMETER_NAMES = ['p', 'q', 'v'] as const;

function unpack(params: readonly number[]): { p: number; q: number; v: number } {
  const [p, q, v] = params as [number, number, number];
  return { p, q, v };
}

/**
 * log L(p, q, γ | x, m) for one repeat buyer (Fader & Hardie 2013, eq. 4,
 * the density of the mean m of x purchases):
 * Γ(px+q) / (Γ(px) Γ(q)) · γ^q m^(px−1) x^(px) / (γ + m x)^(px+q).
 */
export function gammaGammaLogLikelihood(params: readonly number[], { x, meanSpend }: SpendSummary): number {
  const { p, q, v } = unpack(params);
  const px = p * x;
  return (
    logGamma(px + q) -
    logGamma(px) -
    logGamma(q) +
    q * Math.log(v) +
    (px - 1) * Math.log(meanSpend) +
    px * Math.log(x) -
    (px + q) * Math.log(v + meanSpend * x)
  );
}

/**
 * E[spend per purchase | x, m] = (p (γ + x m)) / (p x + q − 1): a weighted
 * mean of the population mean p γ / (q − 1) and the customer's own mean m
 * (eq. 5). For x = 0 it is the population mean. Needs q > 1 (the population
 * mean is infinite otherwise); returns null then.
 */
export function expectedAverageSpend(params: readonly number[], { x, meanSpend }: SpendSummary): number | null {
  const { p, q, v } = unpack(params);
  if (!(q > 1)) return null;
  return (p * (v + x * meanSpend)) / (p * x + q - 1);
}
