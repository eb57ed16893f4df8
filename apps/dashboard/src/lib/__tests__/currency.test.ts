import { describe, expect, it } from 'vitest';
import { currencyFlag, currencyReport } from '../currency';

const rows = [
  { currency: '', purchases: 1, amount: 7 },
  { currency: 'EUR', purchases: 1, amount: 5 },
  { currency: 'USD', purchases: 2, amount: 30.5 },
];
const money = (amount: number) => amount.toFixed(2);

describe('reporting in one currency', () => {
  it('reports in the currency most purchases were sent in unless one is chosen', () => {
    expect(currencyReport(rows, null)).toEqual({ reporting: 'USD', others: [rows[0], rows[1]] });
    expect(currencyReport(rows, 'EUR')).toEqual({ reporting: 'EUR', others: [rows[0], rows[2]] });
    expect(currencyReport([], null)).toEqual({ reporting: null, others: [] });
  });

  it('flags every amount in another currency, and says nothing when there is none', () => {
    expect(currencyFlag(currencyReport(rows, null), money)).toBe(
      'Not converted: 1 purchase in no stated currency (7.00), 1 purchase in EUR (5.00) are added as sent to the USD amounts in Sales, CLV and ROI.',
    );
    expect(currencyFlag(currencyReport([rows[1], rows[2]], 'USD'), money)).toBe(
      'Not converted: 1 purchase in EUR (5.00) is added as sent to the USD amounts in Sales, CLV and ROI.',
    );
    expect(currencyFlag(currencyReport([rows[2]], null), money)).toBeNull();
  });
});
