import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { BG_NBD, MBG_NBD } from '../models/bg-nbd';
import type { CountModel } from '../models/count-model';
import { fitCountModel, fitGammaGamma } from '../models/fit';
import type { ModelFit } from '../models/fit';
import { PARETO_NBD } from '../models/pareto-nbd';
import { groupSpends, groupSummaries } from '../models/summary';

/*
 * The published CDNOW estimates, reproduced from the per-customer summary
 * distributed with the data (x, tx, T in weeks at 1997-09-30; the mean
 * repeat-purchase value). Sources: BG/NBD and Pareto/NBD, Fader, Hardie &
 * Lee (2005), "Counting Your Customers the Easy Way", table 1 (log-likelihoods
 * −9582.4 and −9595.0); MBG/NBD, the lifetimes library's fit of the same
 * summary; Gamma-Gamma, Fader & Hardie (2013), "The Gamma-Gamma Model of
 * Monetary Value", on the 946 repeat buyers.
 */

const FIXTURES = join(__dirname, 'fixtures', 'cdnow');

type Row = { id: number; x: number; tx: number; T: number; meanSpend: number };

function summaryRows(): Row[] {
  const [, ...lines] = readFileSync(join(FIXTURES, 'cdnow_customers_summary_with_transactions.csv'), 'utf8').trim().split('\n');
  return lines.map((line) => {
    const [id, x, tx, T, meanSpend] = line.split(',').map(Number) as [number, number, number, number, number];
    return { id, x, tx, T, meanSpend };
  });
}

function expectWithinHalfPercent(fit: ModelFit, published: Record<string, number>): void {
  for (const [name, value] of Object.entries(published)) {
    const fitted = fit.parameters.find((parameter) => parameter.name === name);
    expect(fitted).toBeDefined();
    expect(Math.abs(fitted!.value - value) / value).toBeLessThan(0.005);
    // Every estimate comes with a finite, positive standard error.
    expect(fitted!.standardError).toBeGreaterThan(0);
  }
}

const rows = summaryRows();
const groups = groupSummaries(rows);

describe('fits on the CDNOW sample (2,357 customers, weeks)', () => {
  it('groups the 2,357 customers into far fewer (x, tx, T) triples', () => {
    expect(rows).toHaveLength(2357);
    expect(groups.reduce((sum, group) => sum + group.weight, 0)).toBe(2357);
    expect(groups.length).toBeLessThan(1100);
  });

  it.each([
    ['BG_NBD', BG_NBD, { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, -9582.4],
    ['PARETO_NBD', PARETO_NBD, { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 }, -9595.0],
    ['MBG_NBD', MBG_NBD, { r: 0.525, alpha: 6.183, a: 0.891, b: 1.614 }, null],
  ] as const)(
    '%s matches the published estimates within 0.5 %%, converged from every start',
    (_name, model: CountModel, published, publishedLogLikelihood) => {
      const fit = fitCountModel(model, groups);
      expectWithinHalfPercent(fit, published);
      expect(fit.converged).toBe(true);
      expect(fit.agreeingStarts).toBe(fit.starts);
      expect(fit.observations).toBe(2357);
      if (publishedLogLikelihood !== null) expect(fit.logLikelihood).toBeCloseTo(publishedLogLikelihood, 0);
    },
    300_000,
  );

  it('Gamma-Gamma on the 946 repeat buyers matches p 6.25, q 3.74, γ 15.44 within 0.5 %', () => {
    const spends = groupSpends(rows);
    const fit = fitGammaGamma(spends);
    expect(fit.observations).toBe(946);
    expectWithinHalfPercent(fit, { p: 6.25, q: 3.74, v: 15.44 });
    expect(fit.converged).toBe(true);
  }, 120_000);
});
