/*
 * Amounts are stored as numeric with 4 decimals. Sums are kept exact in
 * ten-thousandths as bigint: adding doubles drifts once totals pass 2^53
 * (about 9 × 10^15), and revenue may go far beyond.
 */

/** `value` rounded to 4 decimals, in ten-thousandths. */
export function toTenThousandths(value: number): bigint {
  const [whole, fraction = ''] = Math.abs(value).toFixed(4).split('.');
  const units = BigInt(whole) * 10_000n + BigInt(fraction.padEnd(4, '0'));
  return value < 0 ? -units : units;
}

/** Ten-thousandths as the decimal text PostgreSQL's numeric reads (`-12.3400`). */
export function formatTenThousandths(units: bigint): string {
  const sign = units < 0n ? '-' : '';
  const magnitude = units < 0n ? -units : units;
  return `${sign}${magnitude / 10_000n}.${String(magnitude % 10_000n).padStart(4, '0')}`;
}
