/**
 * The predictions benchmark: how long fitting takes and how fast customers are
 * scored, on CDNOW_master (23,570 customers, the repository's fixture) and on
 * 1,000,000 customers generated from a known BG/NBD process. Pure computation
 * (the models of apps/api/dist/modules/predictions/models), no database: what
 * it measures is the statistics, which is what grows with the customers.
 *
 * Ratios, each against a baseline in the same run:
 * - fit ÷ one ungrouped likelihood pass: how many passes over every customer a
 *   fit costs (grouping by (x, tx, T) is why it can be below the number of
 *   likelihood evaluations the optimiser makes);
 * - scoring ÷ the bare BG/NBD P(alive) expression inline: the cost of the full
 *   prediction set (P(alive), expected purchases, CLV) per customer.
 *
 *     npm run predictions -w @clm/bench [-- --customers 1000000 --seed 1]
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as BgNbd from '@clm/api/modules/predictions/models/bg-nbd';
import type * as Clv from '@clm/api/modules/predictions/models/clv';
import type * as CountModel from '@clm/api/modules/predictions/models/count-model';
import type * as Fit from '@clm/api/modules/predictions/models/fit';
import type * as Pareto from '@clm/api/modules/predictions/models/pareto-nbd';
import type * as Summary from '@clm/api/modules/predictions/models/summary';
import { fail, intFlag, log } from './shared/cli.js';
import { DEFAULT_API_DIST, REPO_ROOT } from './shared/paths.js';
import { createRandom } from './shared/prng.js';
import type { Random } from './shared/prng.js';
import { round } from './shared/stats.js';

type Models = {
  bg: typeof BgNbd;
  pareto: typeof Pareto;
  fit: typeof Fit;
  summary: typeof Summary;
  clv: typeof Clv;
};

type PurchaseSummary = Summary.PurchaseSummary;

const MASTER = path.join(REPO_ROOT, 'apps/api/src/modules/predictions/__tests__/fixtures/cdnow/CDNOW_master.txt');
const DAY_MS = 86_400_000;

function loadModels(apiDist: string): Models {
  const require = createRequire(pathToFileURL(path.join(apiDist, 'package.json')));
  const load = <T>(file: string): T => require(path.join(apiDist, 'modules/predictions/models', file)) as T;
  try {
    return {
      bg: load<typeof BgNbd>('bg-nbd.js'),
      pareto: load<typeof Pareto>('pareto-nbd.js'),
      fit: load<typeof Fit>('fit.js'),
      summary: load<typeof Summary>('summary.js'),
      clv: load<typeof Clv>('clv.js'),
    };
  } catch (error) {
    fail(`the API build at ${apiDist} has no predictions models (${String(error)}); run npx turbo run build first`);
  }
}

/** CDNOW_master's customers at 1997-09-30 in weeks: purchase days (same-day merged) up to then. */
function cdnowSummaries(): PurchaseSummary[] {
  const days = new Map<string, Set<number>>();
  const [, ...lines] = readFileSync(MASTER, 'utf8').trim().split('\n');
  for (const line of lines) {
    const [id, date] = line.trim().split(/\s+/) as [string, string];
    const day = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8))) / DAY_MS;
    if (!days.has(id)) days.set(id, new Set());
    days.get(id)!.add(day);
  }
  const calibration = Date.UTC(1997, 8, 30) / DAY_MS;
  const summaries: PurchaseSummary[] = [];
  for (const set of days.values()) {
    const sorted = [...set].filter((day) => day <= calibration).sort((a, b) => a - b);
    if (sorted.length === 0) continue;
    summaries.push({ x: sorted.length - 1, tx: (sorted.at(-1)! - sorted[0]!) / 7, T: (calibration - sorted[0]!) / 7 });
  }
  return summaries;
}

/** Gamma(shape, rate) by Marsaglia & Tsang (shape < 1 through the shape + 1 boost). */
function gamma(random: Random, shape: number, rate: number): number {
  if (shape < 1) return gamma(random, shape + 1, rate) * Math.pow(random(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      // Box-Muller normal.
      x = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return (d * v) / rate;
  }
}

/**
 * Customers from a BG/NBD process in days (r, α in days, a, b), first purchase
 * uniform over the `spanDays` before the calibration day; purchase times are
 * rounded down to days and same-day purchases merged, as clm counts them.
 */
function generatedSummaries(count: number, seed: number, truth: readonly number[], spanDays: number): PurchaseSummary[] {
  const [r, alpha, a, b] = truth as [number, number, number, number];
  const random = createRandom(seed);
  const summaries: PurchaseSummary[] = [];
  for (let i = 0; i < count; i++) {
    const lambda = gamma(random, r, alpha);
    const ga = gamma(random, a, 1);
    const p = ga / (ga + gamma(random, b, 1));
    const T = Math.floor(random() * spanDays);
    let time = 0;
    let lastDay = 0;
    let x = 0;
    for (;;) {
      time += -Math.log(1 - random()) / lambda;
      if (time > T) break;
      const day = Math.floor(time);
      if (day > lastDay) {
        x += 1;
        lastDay = day;
      }
      if (random() < p) break;
    }
    summaries.push({ x, tx: lastDay, T });
  }
  return summaries;
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

type Measured = Record<string, unknown>;

function measure(models: Models, name: string, customers: readonly PurchaseSummary[], horizon: number, monthLength: number): Measured {
  const groupStart = process.hrtime.bigint();
  const groups = models.summary.groupSummaries(customers);
  const groupSeconds = seconds(groupStart);

  // Baseline 1: one log-likelihood pass over every customer, ungrouped, at the BG/NBD published point.
  const point = [0.243, 4.414, 0.793, 2.426];
  const passStart = process.hrtime.bigint();
  let sink = 0;
  for (const customer of customers) sink += models.bg.BG_NBD.logLikelihood(point, customer);
  const passSeconds = seconds(passStart);

  const fits: Measured[] = [];
  const chosen: Record<string, number[]> = {};
  for (const model of [models.bg.BG_NBD, models.pareto.PARETO_NBD, models.bg.MBG_NBD] as CountModel.CountModel[]) {
    const start = process.hrtime.bigint();
    const fit = models.fit.fitCountModel(model, groups);
    const fitSeconds = seconds(start);
    chosen[model.name] = fit.values;
    fits.push({
      model: model.name,
      seconds: round(fitSeconds, 3),
      perUngroupedPass: round(fitSeconds / passSeconds, 1),
      converged: fit.converged,
      parameters: Object.fromEntries(fit.parameters.map((parameter) => [parameter.name, round(parameter.value, 4)])),
      logLikelihood: round(fit.logLikelihood, 2),
    });
    log(`${name}: ${model.name} fitted in ${fitSeconds.toFixed(2)} s (${groups.length} groups)`);
  }

  // Baseline 2: the bare BG/NBD P(alive) expression, inline.
  const [r, alpha, a, b] = chosen.BG_NBD as [number, number, number, number];
  const bareStart = process.hrtime.bigint();
  for (const { x, tx, T } of customers) sink += x === 0 ? 1 : 1 / (1 + (a / (b + x - 1)) * Math.pow((alpha + T) / (alpha + tx), r + x));
  const bareSeconds = seconds(bareStart);
  const scoreStart = process.hrtime.bigint();
  const params = chosen.BG_NBD!;
  for (const customer of customers) {
    sink += models.bg.BG_NBD.pAlive(params, customer);
    sink += models.bg.BG_NBD.expectedPurchases(params, customer, horizon);
    sink += models.clv.predictedClv({
      model: models.bg.BG_NBD,
      params,
      customer,
      averageSpend: 30,
      months: 12,
      monthlyDiscount: 0.01,
      monthLength,
    });
  }
  const scoreSeconds = seconds(scoreStart);
  if (!Number.isFinite(sink)) log('(a score was not finite)');
  return {
    dataset: name,
    customers: customers.length,
    groups: groups.length,
    groupingSeconds: round(groupSeconds, 3),
    ungroupedPassSeconds: round(passSeconds, 4),
    fits,
    scoring: {
      what: 'P(alive) + expected purchases in the horizon + 12-month CLV, BG/NBD',
      customersPerSecond: Math.round(customers.length / scoreSeconds),
      bareExpressionPerSecond: Math.round(customers.length / bareSeconds),
      ratioToBare: round(bareSeconds / scoreSeconds, 4),
    },
  };
}

function main(): void {
  const args = process.argv.slice(2);
  const flag = (name: string, fallback: string): string => {
    const index = args.indexOf(`--${name}`);
    return index >= 0 && args[index + 1] !== undefined ? args[index + 1]! : fallback;
  };
  const count = intFlag('customers', flag('customers', '1000000'));
  const seed = intFlag('seed', flag('seed', '1'));
  const models = loadModels(flag('api-dist', DEFAULT_API_DIST));
  const results: Measured[] = [];
  log('CDNOW_master at 1997-09-30, weeks');
  results.push(measure(models, 'CDNOW_master', cdnowSummaries(), 39, 365.25 / 12 / 7));
  // The published BG/NBD point in days (α × 7), over a year of first purchases.
  const truth = [0.243, 4.414 * 7, 0.793, 2.426];
  log(`${count} customers generated from BG/NBD r ${truth[0]}, α ${truth[1]} (days), a ${truth[2]}, b ${truth[3]}`);
  const generated = measure(models, `generated (${count})`, generatedSummaries(count, seed, truth, 365), 90, 365.25 / 12);
  results.push({ ...generated, truth: { r: truth[0], alpha: truth[1], a: truth[2], b: truth[3] } });
  process.stdout.write(JSON.stringify({ benchmark: 'predictions', seed, results }, null, 2) + '\n');
}

main();
