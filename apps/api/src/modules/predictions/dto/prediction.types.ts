import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { Scorer } from '../scoring';

/*
 * Predictions in GraphQL: the stored fits (each count model compared, the
 * backtest, the spend model, the warnings) and the fit request. The enums
 * refuse an unknown model or time unit before the service sees the request.
 */

export enum PredictionModel {
  BG_NBD = 'BG_NBD',
  PARETO_NBD = 'PARETO_NBD',
  MBG_NBD = 'MBG_NBD',
}

registerEnumType(PredictionModel, {
  name: 'PredictionModel',
  description: 'A model of repeat purchases and dropout, for non-contractual customers who can buy at any time.',
  valuesConfig: {
    BG_NBD: { description: 'BG/NBD (Fader, Hardie & Lee 2005): a customer may drop out after each purchase.' },
    PARETO_NBD: { description: 'Pareto/NBD (Schmittlein, Morrison & Colombo 1987): a customer may drop out at any time.' },
    MBG_NBD: { description: 'MBG/NBD (Batislam et al. 2007): BG/NBD where a customer may also drop out right after the first purchase.' },
  },
});

export enum PredictionTimeUnit {
  DAY = 'DAY',
  WEEK = 'WEEK',
}

registerEnumType(PredictionTimeUnit, {
  name: 'PredictionTimeUnit',
  description:
    'The unit the models count time in. The predictions do not depend on it; the parameters α and β (and the backtest holdout) are in it.',
  valuesConfig: {
    DAY: { description: 'Days (the default).' },
    WEEK: { description: 'Weeks of 7 days, as the literature reports CDNOW.' },
  },
});

@ObjectType({ description: 'One estimated parameter.' })
export class FittedParameter {
  @Field({
    description:
      'Its name as the literature writes it: r, alpha, a, b (BG/NBD, MBG/NBD); r, alpha, s, beta (Pareto/NBD); p, q, v (Gamma-Gamma).',
  })
  name!: string;
  @Field(() => Float, { description: 'The maximum likelihood estimate.' })
  value!: number;
  @Field(() => Float, {
    nullable: true,
    description:
      'Its standard error from the observed information (the inverse Hessian of the log-likelihood); null when the likelihood is not curved at the estimate.',
  })
  standardError!: number | null;
}

@ObjectType({
  description: 'Customers with one calibration frequency: mean holdout purchases, predicted and actual (the validation chart).',
})
export class BacktestFrequency {
  @Field(() => Int, { description: 'Repeat purchases in the calibration period; the last row, 7, holds 7 or more.' })
  frequency!: number;
  @Field(() => Int, { description: 'Customers with this frequency.' })
  customers!: number;
  @Field(() => Float, { description: 'Mean predicted purchases per customer in the holdout.' })
  predicted!: number;
  @Field(() => Float, { description: 'Mean actual purchases (purchase days) per customer in the holdout.' })
  actual!: number;
}

@ObjectType({ description: 'A count model’s predictions for the holdout period against what happened.' })
export class PredictionBacktest {
  @Field(() => Float, { description: 'The holdout length in the fit’s time unit.' })
  holdout!: number;
  @Field(() => Int, { description: 'Customers of the calibration period.' })
  customers!: number;
  @Field(() => Float, { description: 'Predicted purchases in the holdout, all customers.' })
  predictedTotal!: number;
  @Field(() => Float, { description: 'Actual purchases (purchase days) in the holdout, all customers.' })
  actualTotal!: number;
  @Field(() => Float, { description: 'Mean absolute error of the holdout purchases per customer.' })
  meanAbsoluteError!: number;
  @Field(() => Float, { description: 'Root mean square error of the holdout purchases per customer.' })
  rootMeanSquareError!: number;
  @Field(() => [BacktestFrequency], { description: 'By calibration frequency, 0 to 7+ (rows without customers are left out).' })
  byFrequency!: BacktestFrequency[];
}

@ObjectType({ description: 'One count model fitted in a fit run.' })
export class CountModelFit {
  @Field(() => PredictionModel, { description: 'The model.' })
  model!: PredictionModel;
  @Field(() => [FittedParameter], { description: 'Its parameters with standard errors.' })
  parameters!: FittedParameter[];
  @Field(() => Float, { description: 'The maximised log-likelihood.' })
  logLikelihood!: number;
  @Field(() => Float, { description: 'BIC = k·ln(customers) − 2·logLikelihood; lower is better.' })
  bic!: number;
  @Field({ description: 'Whether the optimiser reached a point where the gradient vanishes.' })
  converged!: boolean;
  @Field(() => Int, { description: 'Optimiser iterations of the best start.' })
  iterations!: number;
  @Field(() => Int, { description: 'Starting points tried.' })
  starts!: number;
  @Field(() => Int, { description: 'Starting points that reached the best log-likelihood (within 1e-6, relative).' })
  agreeingStarts!: number;
  @Field({ description: 'Why the optimiser stopped, in words.' })
  stopReason!: string;
  @Field(() => PredictionBacktest, { nullable: true, description: 'Its holdout backtest; null when the fit had no holdout.' })
  backtest!: PredictionBacktest | null;
}

@ObjectType({ description: 'The Gamma-Gamma spend model of a fit run, fitted on the repeat buyers.' })
export class SpendModelFit {
  @Field(() => [FittedParameter], { description: 'p, q and v (γ) with standard errors.' })
  parameters!: FittedParameter[];
  @Field(() => Float, { description: 'The maximised log-likelihood.' })
  logLikelihood!: number;
  @Field({ description: 'Whether the optimiser converged.' })
  converged!: boolean;
  @Field(() => Int, { description: 'Repeat buyers it was fitted on.' })
  repeatBuyers!: number;
}

@ObjectType({ description: 'A stored fit: the count models compared, the one chosen, the spend model, the backtest and the warnings.' })
export class PredictionFit {
  @Field(() => ID, { description: 'The fit id.' })
  id!: string;
  @Field(() => Date, { description: 'When the fit was stored.' })
  fittedAt!: Date;
  @Field(() => PredictionModel, { description: 'The count model chosen (see `choice`); predictions use it.' })
  model!: PredictionModel;
  @Field({ description: 'Why that model was chosen, in words.' })
  choice!: string;
  @Field(() => PredictionTimeUnit, { description: 'The time unit of the parameters.' })
  timeUnit!: PredictionTimeUnit;
  @Field({ description: 'The calibration date (UTC, YYYY-MM-DD): purchases up to and including it were fitted.' })
  calibrationDate!: string;
  @Field(() => Int, {
    description: 'Days after the calibration date whose purchases the backtest compares with the predictions (0: no backtest).',
  })
  holdoutDays!: number;
  @Field(() => Int, { description: 'Customers with a purchase up to the calibration date.' })
  customers!: number;
  @Field(() => Int, { description: 'Of those, customers with a repeat purchase (a second purchase day).' })
  repeatBuyers!: number;
  @Field(() => Int, { description: 'How long the fit took, in milliseconds.' })
  durationMs!: number;
  @Field({ description: '`request` (fitPredictions) or `schedule`.' })
  triggeredBy!: string;
  @Field(() => [String], { description: 'Plain warnings where the data cannot support what is reported; empty when there are none.' })
  warnings!: string[];
  @Field(() => [CountModelFit], { description: 'Every count model fitted, in the order requested.' })
  models!: CountModelFit[];
  @Field(() => SpendModelFit, {
    nullable: true,
    description: 'The spend model; null when there were fewer than 2 repeat buyers with a purchase value.',
  })
  spendModel!: SpendModelFit | null;
}

@InputType({ description: 'What to fit the prediction models on.' })
export class FitPredictionsInput {
  @Field({
    nullable: true,
    description:
      'The calibration date (YYYY-MM-DD, UTC): purchases up to and including it are fitted. Default: today minus holdoutDays. Not after today, and the holdout must end by today.',
  })
  calibrationDate?: string;
  @Field(() => Int, {
    nullable: true,
    description:
      'Days after the calibration date to backtest the predictions on (0–3650, default 90; 0: no backtest, models compared by BIC).',
  })
  holdoutDays?: number;
  @Field(() => PredictionTimeUnit, { nullable: true, description: 'The time unit (default DAY).' })
  timeUnit?: PredictionTimeUnit;
  @Field(() => [PredictionModel], { nullable: true, description: 'The count models to fit and compare (default: all three).' })
  models?: PredictionModel[];
}

@ObjectType({
  description:
    'What the latest fit predicts for one customer, from their purchase history as of today (UTC). When the customer cannot be scored, `scored` is false, `reason` says why and every number is null.',
})
export class CustomerPrediction {
  @Field(() => ID, { description: 'The fit the prediction comes from.' })
  fitId!: string;
  @Field(() => PredictionModel, { description: 'The count model of that fit.' })
  model!: PredictionModel;
  @Field({ description: 'The day (UTC, YYYY-MM-DD) the customer’s history was read up to: today.' })
  asOf!: string;
  @Field({ description: 'Whether the customer could be scored.' })
  scored!: boolean;
  @Field(() => String, { nullable: true, description: 'Why the customer could not be scored; null when scored.' })
  reason!: string | null;
  @Field(() => Int, { nullable: true, description: 'Repeat purchase days so far (purchase days after the first).' })
  repeatPurchases!: number | null;
  @Field(() => Float, { nullable: true, description: 'P(alive): the probability the customer is still an active customer today.' })
  pAlive!: number | null;
  @Field(() => Float, {
    nullable: true,
    description: 'Expected spend per purchase (Gamma-Gamma); null without a spend model or when its mean is unbounded (q ≤ 1).',
  })
  expectedAverageSpend!: number | null;

  /** Not in the schema: what the argument-taking fields compute from (null when not scored). */
  private scorer: Scorer | null = null;

  /** A prediction of a scored customer. */
  static scored(base: PredictionBase, scorer: Scorer, repeatPurchases: number): CustomerPrediction {
    const prediction = Object.assign(new CustomerPrediction(), base, {
      scored: true,
      reason: null,
      repeatPurchases,
      pAlive: scorer.pAlive(),
      expectedAverageSpend: scorer.expectedAverageSpend(),
    });
    prediction.scorer = scorer;
    return prediction;
  }

  /** A prediction that could not be made, and why. */
  static unscored(base: PredictionBase, reason: string): CustomerPrediction {
    return Object.assign(new CustomerPrediction(), base, {
      scored: false,
      reason,
      repeatPurchases: null,
      pAlive: null,
      expectedAverageSpend: null,
    });
  }

  static scorerOf(prediction: CustomerPrediction): Scorer | null {
    return prediction.scorer;
  }
}

/** What every prediction of one fit and day shares. */
export type PredictionBase = { fitId: string; model: PredictionModel; asOf: string };
