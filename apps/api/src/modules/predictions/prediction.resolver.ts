import { Arg, Authorized, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { Scope } from '../../core/principal';
import { FitPredictionsInput, PredictionFit } from './dto/prediction.types';
import type { PredictionService } from './prediction.service';
import { MAX_LISTED_FITS } from './prediction.service';

@Resolver(() => PredictionFit)
export class PredictionResolver {
  constructor(private readonly service: PredictionService) {}

  @Authorized(Scope.READ)
  @Query(() => [PredictionFit], { description: 'The stored prediction fits, newest first.' })
  predictionFits(
    @Arg('first', () => Int, { defaultValue: 20, description: `How many at most (1–${MAX_LISTED_FITS}).` }) first: number,
  ): Promise<PredictionFit[]> {
    return this.service.list(first);
  }

  @Authorized(Scope.READ)
  @Query(() => PredictionFit, {
    nullable: true,
    description: 'One stored fit by id, or the latest when no id is given; null when there is none.',
  })
  predictionFit(@Arg('id', () => ID, { nullable: true, description: 'The fit id.' }) id?: string | null): Promise<PredictionFit | null> {
    return id === undefined || id === null ? this.service.latest() : this.service.find(id);
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => PredictionFit, {
    description:
      'Fits BG/NBD, Pareto/NBD and MBG/NBD (or the ones named) and Gamma-Gamma on the purchase touchpoints up to the calibration date, backtests them on the holdout, chooses one and stores the fit. Refused (BAD_USER_INPUT) for a calibration date in the future, a holdout ending after today, or no purchases to fit; a refused request stores nothing.',
  })
  fitPredictions(
    @Arg('input', () => FitPredictionsInput, { nullable: true, description: 'What to fit on; every field has a default.' })
    input?: FitPredictionsInput | null,
  ): Promise<PredictionFit> {
    return this.service.fit(input ?? {});
  }
}
