import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Scope } from '../../../core/principal';
import { startTestServer } from '../../../testing';
import type { TestServer } from '../../../testing';
import { COUNT_MODELS } from '../fit-run';
import type { CountModelName } from '../models/count-model';
import { expectedAverageSpend } from '../models/gamma-gamma';
import { purchaseSummaries } from '../purchase-summary.sql';

/*
 * The CDNOW sample through clm itself: its purchases recorded with the
 * ingest service, the summary read back at 1997-09-30 equal to the one
 * distributed with the data for every customer, and fitPredictions over
 * HTTP reproducing the published estimates, with its backtest against the
 * 39 weeks that followed (counted here from the raw file).
 */

const FIXTURES = join(__dirname, 'fixtures', 'cdnow');

type Purchase = { sampleId: number; day: string; dollars: number };

function samplePurchases(): Purchase[] {
  return readFileSync(join(FIXTURES, 'CDNOW_sample.txt'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [, sampleId, date, , dollars] = line.trim().split(/\s+/) as [string, string, string, string, string];
      return { sampleId: Number(sampleId), day: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`, dollars: Number(dollars) };
    });
}

type Published = { x: number; tx: number; T: number; zbar: number };

function publishedSummary(): Map<number, Published> {
  const [, ...lines] = readFileSync(join(FIXTURES, 'cdnow_customers_summary_with_transactions.csv'), 'utf8').trim().split('\n');
  return new Map(
    lines.map((line) => {
      const [id, x, tx, T, zbar] = line.split(',').map(Number) as [number, number, number, number, number];
      return [id, { x, tx, T, zbar }];
    }),
  );
}

/** Expected spend per purchase with the fit's Gamma-Gamma parameters, set once the fit is stored. */
let expectedAverageSpendOf: (x: number, meanSpend: number) => number | null = () => null;

const FIT = `
  mutation Fit($input: FitPredictionsInput) {
    fitPredictions(input: $input) {
      id model choice timeUnit calibrationDate holdoutDays customers repeatBuyers triggeredBy warnings
      models {
        model logLikelihood bic converged agreeingStarts starts
        parameters { name value standardError }
        backtest { holdout customers predictedTotal actualTotal meanAbsoluteError rootMeanSquareError byFrequency { frequency customers predicted actual } }
      }
      spendModel { repeatBuyers converged parameters { name value standardError } }
    }
  }`;

type Parameter = { name: string; value: number; standardError: number | null };
type FitResponse = {
  fitPredictions: {
    id: string;
    model: string;
    choice: string;
    timeUnit: string;
    calibrationDate: string;
    holdoutDays: number;
    customers: number;
    repeatBuyers: number;
    triggeredBy: string;
    warnings: string[];
    models: Array<{
      model: string;
      logLikelihood: number;
      bic: number;
      converged: boolean;
      agreeingStarts: number;
      starts: number;
      parameters: Parameter[];
      backtest: {
        holdout: number;
        customers: number;
        predictedTotal: number;
        actualTotal: number;
        meanAbsoluteError: number;
        rootMeanSquareError: number;
        byFrequency: Array<{ frequency: number; customers: number; predicted: number; actual: number }>;
      };
    }>;
    spendModel: { repeatBuyers: number; converged: boolean; parameters: Parameter[] };
  };
};

function expectWithinHalfPercent(parameters: Parameter[], published: Record<string, number>): void {
  expect(parameters.map((parameter) => parameter.name)).toEqual(Object.keys(published));
  for (const parameter of parameters) {
    expect(Math.abs(parameter.value - published[parameter.name]!) / published[parameter.name]!).toBeLessThan(0.005);
    expect(parameter.standardError).toBeGreaterThan(0);
  }
}

describe('CDNOW through clm', () => {
  let server: TestServer;
  const purchases = samplePurchases();

  beforeAll(async () => {
    server = await startTestServer();
    for (let start = 0; start < purchases.length; start += 1000) {
      const batch = purchases.slice(start, start + 1000).map((purchase, index) => ({
        messageId: `cdnow-${start + index}`,
        customer: { externalId: `cdnow-${purchase.sampleId}` },
        type: 'purchase',
        channel: 'web',
        occurredAt: `${purchase.day}T12:00:00Z`,
        value: purchase.dollars,
        currency: 'USD',
      }));
      const results = await server.services.ingest.record(batch, (index) => `touchpoints[${index}]`);
      expect(results.filter((result) => result.status !== 'ACCEPTED')).toEqual([]);
    }
  }, 600_000);

  afterAll(async () => {
    await server.close();
  });

  it('summarises every customer at 1997-09-30 as the published summary does (weeks, same-day purchases merged)', async () => {
    const rows = await purchaseSummaries(server.db, { calibrationDate: '1997-09-30', holdoutEnd: '1997-09-30' });
    const externalIds = new Map(
      (await server.db.query<{ id: string; external_id: string }>(`SELECT id::text AS id, external_id FROM customers`)).map((row) => [
        row.id,
        row.external_id,
      ]),
    );
    const published = publishedSummary();
    expect(rows).toHaveLength(published.size);
    expect(published.size).toBe(2357);
    for (const row of rows) {
      const id = Number(externalIds.get(row.customer_id)!.slice('cdnow-'.length));
      const expected = published.get(id)!;
      // The file rounds to two decimals: ours must round to the same (within half a unit of its last digit).
      const ours = { id, x: row.x, tx: row.tx_days / 7, T: row.t_days / 7, zbar: row.mean_repeat_spend };
      expect({ id, x: ours.x }).toEqual({ id, x: expected.x });
      expect(Math.abs(ours.tx - expected.tx)).toBeLessThanOrEqual(0.005 + 1e-9);
      expect(Math.abs(ours.T - expected.T)).toBeLessThanOrEqual(0.005 + 1e-9);
      expect(Math.abs(ours.zbar - expected.zbar)).toBeLessThanOrEqual(0.005 + 1e-9);
    }
    // Customer 1 bought on 1997-01-01, -01-18 and -08-02 ($29.33, $29.73, $14.96) before the date:
    // x = 2, tx = 213 days, T = 272 days, mean repeat spend (29.73 + 14.96) / 2 = 22.345.
    const first = rows.find((row) => externalIds.get(row.customer_id) === 'cdnow-1')!;
    // Before any fit there is no prediction.
    const none = await server.graphql<{ customer: { prediction: null } }>(`{ customer(externalId: "cdnow-1") { prediction { fitId } } }`);
    expect(none.data!.customer.prediction).toBeNull();
    expect(first).toMatchObject({ x: 2, tx_days: 213, t_days: 272, mean_repeat_spend: 22.345, holdout_purchases: 0 });
  });

  it('fits the published estimates, backtests on the 39 weeks that followed and stores the fit', async () => {
    const response = await server.graphql<FitResponse>(FIT, {
      input: { calibrationDate: '1997-09-30', holdoutDays: 273, timeUnit: 'WEEK' },
    });
    expect(response.errors).toBeUndefined();
    const fit = response.data!.fitPredictions;
    expect(fit).toMatchObject({
      timeUnit: 'WEEK',
      calibrationDate: '1997-09-30',
      holdoutDays: 273,
      customers: 2357,
      repeatBuyers: 946,
      triggeredBy: 'request',
    });
    const byModel = new Map(fit.models.map((model) => [model.model, model]));
    expect([...byModel.keys()]).toEqual(['BG_NBD', 'PARETO_NBD', 'MBG_NBD']);
    expectWithinHalfPercent(byModel.get('BG_NBD')!.parameters, { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 });
    expectWithinHalfPercent(byModel.get('PARETO_NBD')!.parameters, { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 });
    expectWithinHalfPercent(byModel.get('MBG_NBD')!.parameters, { r: 0.525, alpha: 6.183, a: 0.891, b: 1.614 });
    expectWithinHalfPercent(fit.spendModel.parameters, { p: 6.25, q: 3.74, v: 15.44 });
    expect(fit.spendModel.repeatBuyers).toBe(946);
    const spend = fit.spendModel.parameters.map((parameter) => parameter.value);
    expectedAverageSpendOf = (x, meanSpend) => expectedAverageSpend(spend, { x, meanSpend });
    expect(byModel.get('BG_NBD')!.logLikelihood).toBeCloseTo(-9582.4, 0);
    expect(byModel.get('PARETO_NBD')!.logLikelihood).toBeCloseTo(-9595.0, 0);
    for (const model of fit.models) {
      expect(model.converged).toBe(true);
      expect(model.agreeingStarts).toBe(model.starts);
      // BIC = 4 ln 2357 − 2 log L.
      expect(model.bic).toBeCloseTo(4 * Math.log(2357) - 2 * model.logLikelihood, 6);
    }
    expect(fit.warnings).toEqual([]);

    // The holdout, counted from the raw file: purchase days in 1997-10-01 … 1998-06-30, per customer and in total.
    const holdoutDays = new Map<number, Set<string>>();
    const calibrationDays = new Map<number, Set<string>>();
    for (const purchase of purchases) {
      const target = purchase.day <= '1997-09-30' ? calibrationDays : purchase.day <= '1998-06-30' ? holdoutDays : null;
      if (!target) continue;
      if (!target.has(purchase.sampleId)) target.set(purchase.sampleId, new Set());
      target.get(purchase.sampleId)!.add(purchase.day);
    }
    const actualTotal = [...holdoutDays.values()].reduce((sum, days) => sum + days.size, 0);
    const customersWithOneRepeat = [...calibrationDays.entries()].filter(([, days]) => days.size === 2).map(([id]) => id);
    const actualAfterOneRepeat = customersWithOneRepeat.reduce((sum, id) => sum + (holdoutDays.get(id)?.size ?? 0), 0);
    for (const model of fit.models) {
      expect(model.backtest.holdout).toBeCloseTo(39, 10);
      expect(model.backtest.customers).toBe(2357);
      expect(model.backtest.actualTotal).toBe(actualTotal);
      const once = model.backtest.byFrequency.find((row) => row.frequency === 1)!;
      expect(once.customers).toBe(customersWithOneRepeat.length);
      expect(once.actual).toBeCloseTo(actualAfterOneRepeat / customersWithOneRepeat.length, 12);
      // The prediction, summed over the published summary with the fitted parameters (its two-decimal rounding: 0.1 %).
      const countModel = COUNT_MODELS[model.model as CountModelName];
      const values = model.parameters.map((parameter) => parameter.value);
      let predicted = 0;
      for (const customer of publishedSummary().values()) predicted += countModel.expectedPurchases(values, customer, 39);
      expect(Math.abs(model.backtest.predictedTotal - predicted) / predicted).toBeLessThan(0.001);
      // The per-frequency rows add up to the totals.
      const rowSum = model.backtest.byFrequency.reduce((sum, row) => sum + row.customers * row.predicted, 0);
      expect(rowSum).toBeCloseTo(model.backtest.predictedTotal, 6);
      expect(model.backtest.byFrequency.map((row) => row.frequency)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    }
    const lowest = fit.models.reduce((a, b) => (b.backtest.rootMeanSquareError < a.backtest.rootMeanSquareError ? b : a));
    expect(fit.model).toBe(lowest.model);
    expect(fit.choice).toContain('lowest holdout RMSE');

    const listed = await server.graphql<{ predictionFits: Array<{ id: string; model: string }> }>(`{ predictionFits { id model } }`);
    expect(listed.data!.predictionFits).toEqual([{ id: fit.id, model: fit.model }]);
  }, 600_000);

  it('puts the latest fit’s predictions on every customer, from their history up to today', async () => {
    const [fit] = (
      await server.graphql<{
        predictionFits: Array<{ id: string; model: string; models: Array<{ model: string; parameters: Parameter[] }> }>;
      }>(`{ predictionFits(first: 1) { id model models { model parameters { name value standardError } } } }`)
    ).data!.predictionFits;
    const today = new Date().toISOString().slice(0, 10);
    const response = await server.graphql<{ customer: { prediction: Record<string, unknown> } }>(
      `query One($date: String!) { customer(externalId: "cdnow-1") { prediction {
         fitId model asOf scored reason repeatPurchases pAlive expectedAverageSpend
         soon: expectedPurchases(days: 90) later: pAliveAt(date: $date) clv: predictedClv(months: 12, monthlyDiscount: 0.01) } } }`,
      { date: '2030-01-01' },
    );
    expect(response.errors).toBeUndefined();
    const prediction = response.data!.customer.prediction;
    // Customer 1 bought on 1997-01-01, -01-18, -08-02 and -12-12: x = 3, tx = 345 days, T = days since 1997-01-01 (in weeks: the fit's unit).
    const tDays = Math.round((Date.parse(`${today}T00:00:00Z`) - Date.parse('1997-01-01T00:00:00Z')) / 86_400_000);
    const chosen = fit!.models.find((model) => model.model === fit!.model)!;
    const params = chosen.parameters.map((parameter) => parameter.value);
    const history = { x: 3, tx: 345 / 7, T: tDays / 7 };
    const model = COUNT_MODELS[fit!.model as CountModelName];
    expect(prediction).toMatchObject({ fitId: fit!.id, model: fit!.model, asOf: today, scored: true, reason: null, repeatPurchases: 3 });
    expect(prediction.pAlive).toBeCloseTo(model.pAlive(params, history), 12);
    expect(prediction.soon).toBeCloseTo(model.expectedPurchases(params, history, 90 / 7), 12);
    expect(prediction.later as number).toBeLessThan(prediction.pAlive as number);
    // Gamma-Gamma with x = 3 and the mean of the three repeat days' values: (29.73 + 14.96 + 26.48) / 3.
    expect(prediction.expectedAverageSpend).toBeCloseTo(expectedAverageSpendOf(3, (29.73 + 14.96 + 26.48) / 3)!, 9);
    expect(prediction.clv).toBeGreaterThan(0);

    // A customer without a purchase is not scored, and says why; a page of customers is scored in one batch.
    await server.services.ingest.record(
      [
        {
          messageId: 'visitor-1',
          customer: { externalId: 'visitor-1' },
          type: 'page_view',
          channel: 'web',
          occurredAt: '1997-05-01T12:00:00Z',
        },
      ],
      (index) => `touchpoints[${index}]`,
    );
    const visitor = await server.graphql<{ customer: { prediction: Record<string, unknown> } }>(
      `{ customer(externalId: "visitor-1") { prediction { scored reason pAlive soon: expectedPurchases(days: 30) clv: predictedClv } } }`,
    );
    expect(visitor.data!.customer.prediction).toEqual({
      scored: false,
      reason: 'no purchase yet: the models predict from a customer’s purchase history',
      pAlive: null,
      soon: null,
      clv: null,
    });
    const page = await server.graphql<{
      customers: { edges: Array<{ node: { prediction: { scored: boolean; pAlive: number | null } } }> };
    }>(`{ customers(first: 100) { edges { node { prediction { scored pAlive } } } } }`);
    expect(page.errors).toBeUndefined();
    expect(page.data!.customers.edges).toHaveLength(100);
    for (const { node } of page.data!.customers.edges) {
      if (node.prediction.scored) expect(node.prediction.pAlive).toBeGreaterThanOrEqual(0);
    }
    const bad = await server.graphql(`{ customer(externalId: "cdnow-1") { prediction { pAliveAt(date: "1990-01-01") } } }`);
    expect(bad.errors?.[0]?.message).toBe(`date: must be from today (${today}) to 100 years ahead, got 1990-01-01`);
  }, 120_000);

  it('refuses a bad request clearly and leaves the stored fits as they were', async () => {
    const before = await server.graphql<{ predictionFits: Array<{ id: string }> }>(`{ predictionFits { id } }`);
    expect(before.data!.predictionFits).toHaveLength(1);
    const refusals: Array<[Record<string, unknown>, string, string]> = [
      [{ calibrationDate: '2999-01-01', holdoutDays: 0 }, 'BAD_USER_INPUT', 'input.calibrationDate: 2999-01-01 is in the future'],
      [
        { calibrationDate: '1996-12-31', holdoutDays: 0 },
        'BAD_USER_INPUT',
        'input.calibrationDate: no purchase touchpoint on or before 1996-12-31',
      ],
      [{ calibrationDate: '1997-01-01', holdoutDays: 0 }, 'BAD_USER_INPUT', 'bought again by then; the models need repeat purchases'],
      [
        { calibrationDate: '1997-02-30' },
        'BAD_USER_INPUT',
        'input.calibrationDate: must be a calendar day written YYYY-MM-DD, got "1997-02-30"',
      ],
      [{ holdoutDays: -1 }, 'BAD_USER_INPUT', 'input.holdoutDays: must be a whole number of days from 0 to 3650, got -1'],
      [{ models: [] }, 'BAD_USER_INPUT', 'input.models: names no model'],
      [{ models: ['BG_NBD', 'NEURAL_NET'] }, 'BAD_USER_INPUT', 'Value "NEURAL_NET" does not exist in "PredictionModel" enum'],
      [{ timeUnit: 'MONTH' }, 'BAD_USER_INPUT', 'Value "MONTH" does not exist in "PredictionTimeUnit" enum'],
    ];
    for (const [input, code, message] of refusals) {
      const response = await server.graphql(FIT, { input });
      expect(response.data?.fitPredictions ?? null).toBeNull();
      expect(response.errors?.[0]?.extensions?.code).toBe(code);
      expect(response.errors?.[0]?.message).toContain(message);
    }
    const today = new Date().toISOString().slice(0, 10);
    const lateHoldout = await server.graphql(FIT, { input: { calibrationDate: today, holdoutDays: 1 } });
    expect(lateHoldout.errors?.[0]?.message).toContain(`input.holdoutDays: a holdout of 1 days after ${today} would end on`);
    const readOnly = await server.graphql(FIT, { input: {} }, await server.createKey([Scope.READ]));
    expect(readOnly.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const after = await server.graphql<{ predictionFits: Array<{ id: string }> }>(`{ predictionFits { id } }`);
    expect(after.data!.predictionFits).toEqual(before.data!.predictionFits);
  }, 120_000);
});
