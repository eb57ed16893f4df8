import { describe, expect, it } from '@jest/globals';
import { runFit } from '../fit-run';
import type { FitRunInput } from '../fit-run';
import { runFitOffThread } from '../fit-thread';

const INPUT: FitRunInput = {
  groups: [
    { x: 0, txDays: 0, tDays: 120, holdoutPurchases: 0, customers: 50 },
    { x: 1, txDays: 30, tDays: 120, holdoutPurchases: 0, customers: 25 },
    { x: 2, txDays: 60, tDays: 110, holdoutPurchases: 1, customers: 30 },
    { x: 5, txDays: 100, tDays: 115, holdoutPurchases: 2, customers: 20 },
  ],
  spends: [
    { x: 1, meanSpend: 20, customers: 25 },
    { x: 2, meanSpend: 30, customers: 30 },
    { x: 5, meanSpend: 55, customers: 20 },
  ],
  timeUnit: 'DAY',
  holdoutDays: 30,
  models: ['BG_NBD', 'MBG_NBD'],
};

describe('a fit on a worker thread', () => {
  it('answers what the same fit answers on the calling thread, while the event loop keeps turning', async () => {
    let turns = 0;
    const ticker = setInterval(() => turns++, 1);
    try {
      const offThread = await runFitOffThread(INPUT);
      // A fit on the event loop would have resolved before any timer could fire.
      expect(turns).toBeGreaterThan(0);
      expect(offThread).toEqual(runFit(INPUT));
      expect(offThread.models.map((model) => model.model)).toEqual(['BG_NBD', 'MBG_NBD']);
    } finally {
      clearInterval(ticker);
    }
  });
});
