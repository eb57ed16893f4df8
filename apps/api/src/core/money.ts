/*
 * Amounts are stored as numeric with 4 decimals. Sums are kept exact in
 * ten-thousandths as bigint: adding doubles drifts once totals pass 2^53
 * (about 9 × 10^15), and revenue may go far beyond.
 */

/**
 * `value` in ten-thousandths: the decimal it stands for (see
 * `decimalOfNumber`) when that has at most 4 places, so 99999999999999.9 is
 * 999999999999999000 and not the 999999999999999062 of its binary expansion;
 * otherwise rounded to 4 decimals.
 */
export function toTenThousandths(value: number): bigint {
  const decimal = decimalOfNumber(value);
  const fixed = decimal !== null && /^-?\d+(\.\d{1,4})?$/.test(decimal) ? decimal.replace(/^-/, '') : Math.abs(value).toFixed(4);
  const [whole, fraction = ''] = fixed.split('.');
  const units = BigInt(whole) * 10_000n + BigInt(fraction.padEnd(4, '0'));
  return value < 0 ? -units : units;
}

/** Ten-thousandths as the decimal text PostgreSQL's numeric reads (`-12.3400`). */
export function formatTenThousandths(units: bigint): string {
  const sign = units < 0n ? '-' : '';
  const magnitude = units < 0n ? -units : units;
  return `${sign}${magnitude / 10_000n}.${String(magnitude % 10_000n).padStart(4, '0')}`;
}

/** Significant digits a JSON number carries exactly: every decimal of at most 15 reads back as itself from a double. */
export const EXACT_NUMBER_DIGITS = 15;

/**
 * The decimal a JSON number stands for, as plain text (`12345.67`, no
 * exponent), when that is certain; null when it is not. A double gives back
 * any decimal of at most 15 significant digits (its shortest round-trip text,
 * `String(value)`, is that decimal); with more, JSON parsing may already have
 * replaced digits the client sent (12345678901234.567 arrives as
 * 12345678901234.566), so the amount cannot be taken as sent.
 */
export function decimalOfNumber(value: number): string | null {
  if (!Number.isFinite(value)) return null;
  const [mantissa, exponent = '0'] = String(Math.abs(value)).split('e');
  const [whole, fraction = ''] = mantissa.split('.');
  const digits = `${whole}${fraction}`;
  if (digits.replace(/^0+/, '').replace(/0+$/, '').length > EXACT_NUMBER_DIGITS) return null;
  const point = whole.length + Number(exponent);
  const plain =
    point <= 0
      ? `0.${'0'.repeat(-point)}${digits}`
      : point >= digits.length
        ? `${digits}${'0'.repeat(point - digits.length)}`
        : `${digits.slice(0, point)}.${digits.slice(point)}`;
  const trimmed = plain
    .replace(/^0+(?=\d)/, '')
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '');
  return value < 0 && trimmed !== '0' ? `-${trimmed}` : trimmed;
}
