import { Arg, Args, Authorized, Ctx, FieldResolver, Float, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Scope } from '../../core/principal';
import type { RequestContext } from '../../core/request-context';
import { Campaign } from './campaign.type';
import type { CampaignService } from './campaign.service';
import { MAX_UNKNOWN_CAMPAIGNS } from './campaign.service';
import { MAX_SPEND_ROWS } from './campaign-validation';
import {
  CampaignSpend,
  CampaignSpendInput,
  CreateCampaignInput,
  DayRangeArgs,
  SpendRecorded,
  UnknownCampaign,
  UpdateCampaignInput,
} from './dto/campaign.types';

@Resolver(() => Campaign)
export class CampaignResolver {
  constructor(private readonly service: CampaignService) {}

  @Authorized(Scope.READ)
  @Query(() => [Campaign], { description: 'Every campaign, latest start first.' })
  campaigns(): Promise<Campaign[]> {
    return this.service.list();
  }

  @Authorized(Scope.READ)
  @Query(() => Campaign, { nullable: true, description: 'One campaign by key; null when there is none.' })
  campaign(@Arg('key', () => String, { description: 'The campaign key.' }) key: string): Promise<Campaign | null> {
    return this.service.find(key);
  }

  @Authorized(Scope.READ)
  @Query(() => [UnknownCampaign], {
    description:
      'Campaign keys that touchpoints carry but no campaign has (ingest keeps them as text), most touchpoints first: create campaigns with these keys to attach spend. Read from the daily touchpoint rollup, as current as the metrics.',
  })
  unknownCampaigns(
    @Arg('first', () => Int, { defaultValue: 100, description: `How many keys at most (1–${MAX_UNKNOWN_CAMPAIGNS}).` }) first: number,
  ): Promise<UnknownCampaign[]> {
    return this.service.unknownCampaigns(first);
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => Campaign, { description: 'Creates a campaign. Refused (CONFLICT) when its key is taken.' })
  createCampaign(@Arg('input', () => CreateCampaignInput, { description: 'The campaign.' }) input: CreateCampaignInput): Promise<Campaign> {
    return this.service.create(input);
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => Campaign, { description: 'Changes a campaign (its key never changes). NOT_FOUND when there is none.' })
  updateCampaign(
    @Arg('key', () => String, { description: 'The campaign key.' }) key: string,
    @Arg('input', () => UpdateCampaignInput, { description: 'The changes.' }) input: UpdateCampaignInput,
  ): Promise<Campaign> {
    return this.service.update(key, input);
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => Boolean, {
    description:
      'Deletes a campaign and its spend; false when there was none. Touchpoints keep its key as text (it becomes an unknown campaign).',
  })
  deleteCampaign(@Arg('key', () => String, { description: 'The campaign key.' }) key: string): Promise<boolean> {
    return this.service.delete(key);
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => SpendRecorded, {
    description: `Sets campaigns' spend per day (up to ${MAX_SPEND_ROWS} rows): recording a campaign and day again replaces its amount, so sending the same rows twice changes nothing. All or nothing: any bad row (each named, e.g. \`spend[3].amount\`) or unknown campaign refuses the whole call.`,
  })
  recordCampaignSpend(
    @Arg('spend', () => [CampaignSpendInput], { description: `The rows, one per campaign and day, at most ${MAX_SPEND_ROWS}.` })
    spend: CampaignSpendInput[],
  ): Promise<SpendRecorded> {
    return this.service.recordSpend(spend);
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => SpendRecorded, {
    description: `Sets campaigns' spend per day from CSV text: a header line naming campaign, day and amount (any order), then up to ${MAX_SPEND_ROWS} rows; quoted fields and CRLF allowed. Same rules as recordCampaignSpend; problems name the line and column (\`line 4, amount: …\`). Unknown campaign keys are refused, not created.`,
  })
  importCampaignSpend(@Arg('csv', () => String, { description: 'The CSV text.' }) csv: string): Promise<SpendRecorded> {
    return this.service.importSpend(csv);
  }

  @FieldResolver(() => CampaignSpend, { description: 'Spend per day and its total, over the days in [from, to] (both included).' })
  spend(@Root() campaign: Campaign, @Args(() => DayRangeArgs) args: DayRangeArgs, @Ctx() context: RequestContext): Promise<CampaignSpend> {
    const range = this.service.dayRange(args.from, args.to);
    return context.scope.get(this.service.spendOf).load({ campaign: campaign.key, range });
  }

  @FieldResolver(() => Float, {
    description:
      'Touchpoints carrying this key, over the days (UTC, of the event time) in [from, to]; from the daily touchpoint rollup, as current as the metrics. A whole number.',
  })
  touchpoints(@Root() campaign: Campaign, @Args(() => DayRangeArgs) args: DayRangeArgs, @Ctx() context: RequestContext): Promise<number> {
    const range = this.service.dayRange(args.from, args.to);
    return context.scope.get(this.service.touchpointsOf).load({ campaign: campaign.key, range });
  }
}
