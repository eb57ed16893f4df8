import { Arg, Ctx, FieldResolver, Float, Int, Resolver, Root } from 'type-graphql';
import { invalidInput } from '../../core/errors';
import type { RequestContext } from '../../core/request-context';
import { Customer } from '../customers';
import { daysBetween, isDay } from './days';
import { CustomerPrediction } from './dto/prediction.types';
import type { PredictionService } from './prediction.service';

/** The most days ahead a prediction looks (100 years). */
const MAX_DAYS_AHEAD = 36_525;
const MAX_CLV_MONTHS = 1200;

@Resolver(() => Customer)
export class CustomerPredictionResolver {
  constructor(private readonly service: PredictionService) {}

  @FieldResolver(() => CustomerPrediction, {
    nullable: true,
    description: 'What the latest prediction fit says about the customer; null before the first fit (see fitPredictions).',
  })
  prediction(@Root() customer: Customer, @Ctx() context: RequestContext): Promise<CustomerPrediction | null> {
    return context.scope.get(this.service.predictionOf).load(customer.id);
  }
}

/** The numbers that take arguments: computed from what the loader read, with no further query. */
@Resolver(() => CustomerPrediction)
export class CustomerPredictionFieldsResolver {
  @FieldResolver(() => Float, {
    nullable: true,
    description: 'P(alive) on a future day: the probability the customer is still active then.',
  })
  pAliveAt(
    @Root() prediction: CustomerPrediction,
    @Arg('date', { description: 'A day (YYYY-MM-DD, UTC), today or later.' }) date: string,
  ): number | null {
    if (!isDay(date)) throw invalidInput('date', `must be a calendar day written YYYY-MM-DD, got ${JSON.stringify(date)}`);
    const days = daysBetween(prediction.asOf, date);
    if (days < 0 || days > MAX_DAYS_AHEAD)
      throw invalidInput('date', `must be from today (${prediction.asOf}) to 100 years ahead, got ${date}`);
    return CustomerPrediction.scorerOf(prediction)?.pAliveAfter(days) ?? null;
  }

  @FieldResolver(() => Float, { nullable: true, description: 'Expected purchases (purchase days) in the next `days` days.' })
  expectedPurchases(
    @Root() prediction: CustomerPrediction,
    @Arg('days', () => Int, { defaultValue: 90, description: `Days ahead (0–${MAX_DAYS_AHEAD}).` }) days: number,
  ): number | null {
    if (days < 0 || days > MAX_DAYS_AHEAD) throw invalidInput('days', `must be from 0 to ${MAX_DAYS_AHEAD}, got ${days}`);
    return CustomerPrediction.scorerOf(prediction)?.expectedPurchases(days) ?? null;
  }

  @FieldResolver(() => Float, {
    nullable: true,
    description:
      'Predicted customer lifetime value over the next `months` months: expected purchases in each month × expected spend per purchase, discounted by `monthlyDiscount` per month. Null without a spend model.',
  })
  predictedClv(
    @Root() prediction: CustomerPrediction,
    @Arg('months', () => Int, { defaultValue: 12, description: `The horizon in months (1–${MAX_CLV_MONTHS}).` }) months: number,
    @Arg('monthlyDiscount', () => Float, { defaultValue: 0.01, description: 'Discount rate per month, 0 to 1 (0.01 is 1 %).' })
    monthlyDiscount: number,
  ): number | null {
    if (months < 1 || months > MAX_CLV_MONTHS) throw invalidInput('months', `must be from 1 to ${MAX_CLV_MONTHS}, got ${months}`);
    if (!(monthlyDiscount >= 0 && monthlyDiscount <= 1))
      throw invalidInput('monthlyDiscount', `must be from 0 to 1, got ${monthlyDiscount}`);
    return CustomerPrediction.scorerOf(prediction)?.predictedClv(months, monthlyDiscount) ?? null;
  }
}
