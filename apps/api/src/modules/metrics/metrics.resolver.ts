import { Arg, Authorized, Extensions, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { Scope } from '../../core/principal';
import {
  ActiveCustomersType,
  CampaignMetricsType,
  ChannelMetricsType,
  CohortRowType,
  CsatType,
  CurrencySalesType,
  DayRangeInput,
  FunnelStepType,
  MetricDefinitionType,
  Metrics,
  MetricFilterInput,
  MetricSeriesType,
  MetricsPositionType,
  NpsType,
  StageDistributionPointType,
  StageTimeType,
} from './dto/metrics.types';
import { metricsFieldCost } from './metric-cost';
import { Attribution } from './metric-sources';
import { Bucket } from './metric-windows';
import type {
  ActiveResult,
  CampaignResult,
  ChannelResult,
  CohortRow,
  CsatResult,
  CurrencySales,
  FunnelStep,
  MetricSeries,
  MetricsService,
  NpsResult,
  StageDistributionPoint,
  StageTime,
} from './metrics.service';
import { METRIC_NAMES, METRICS } from './registry';

@Resolver(() => Metrics)
export class MetricsResolver {
  constructor(private readonly service: MetricsService) {}

  @Authorized(Scope.READ)
  @Extensions({ cost: metricsFieldCost })
  @Query(() => Metrics, {
    description: 'The lifecycle metrics for a range of UTC days: select the ones you need. Definitions in docs/metrics.md.',
  })
  async metrics(
    @Arg('range', () => DayRangeInput, { description: 'The days to measure, both ends included.' }) range: DayRangeInput,
    @Arg('bucket', () => Bucket, { defaultValue: Bucket.DAY, description: 'How each series is cut.' }) bucket: Bucket,
    @Arg('filter', () => MetricFilterInput, { nullable: true, description: 'Segment, channel and campaign.' })
    filter: MetricFilterInput | null,
    @Arg('compareToPrevious', () => Boolean, {
      defaultValue: false,
      description: 'Also compute every total over the period of equal length just before the range.',
    })
    compareToPrevious: boolean,
    @Arg('attribution', () => Attribution, {
      defaultValue: Attribution.FIRST_TOUCH,
      description: 'Which touch new customers are credited to.',
    })
    attribution: Attribution,
    @Arg('lookbackDays', () => Int, {
      defaultValue: 30,
      description: 'LAST_TOUCH: how many days before the acquisition a campaign touch counts (1–365).',
    })
    lookbackDays: number,
  ): Promise<Metrics> {
    const query = await this.service.query({
      from: range.from,
      to: range.to,
      bucket,
      filter: { segment: filter?.segment ?? null, channel: filter?.channel ?? null, campaign: filter?.campaign ?? null },
      attribution,
      lookbackDays,
      compareToPrevious,
    });
    return Object.assign(new Metrics(), { query, from: range.from, to: range.to });
  }

  @Authorized(Scope.READ)
  @Query(() => [MetricDefinitionType], { description: 'Every metric of `metrics` with its written definition, by family.' })
  metricDefinitions(): MetricDefinitionType[] {
    return METRIC_NAMES.map((name) => ({ name, family: METRICS[name].family, description: METRICS[name].description }));
  }

  @FieldResolver(() => MetricsPositionType, {
    description: 'The log cursors up to which these metrics are exact (the projection follows the logs within about a second).',
  })
  exactUpTo(): Promise<{ transitions: string; touchpoints: string }> {
    return this.service.exactUpTo();
  }

  // awareness / reach
  @FieldResolver(() => MetricSeriesType, { description: METRICS.pageViews.description })
  pageViews(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.metric('pageViews', root.query);
  }

  @FieldResolver(() => MetricSeriesType, { description: METRICS.uniqueVisitors.description })
  uniqueVisitors(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.metric('uniqueVisitors', root.query);
  }

  @FieldResolver(() => MetricSeriesType, { description: METRICS.socialEngagements.description })
  socialEngagements(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.metric('socialEngagements', root.query);
  }

  @FieldResolver(() => MetricSeriesType, { description: METRICS.socialShares.description })
  socialShares(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.metric('socialShares', root.query);
  }

  @FieldResolver(() => MetricSeriesType, { description: METRICS.brandMentions.description })
  brandMentions(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.metric('brandMentions', root.query);
  }

  // acquisition / conversion
  @FieldResolver(() => MetricSeriesType, { description: METRICS.newCustomers.description })
  newCustomers(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.metric('newCustomers', root.query);
  }

  @FieldResolver(() => MetricSeriesType, { description: METRICS.conversionRate.description })
  conversionRate(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.metric('conversionRate', root.query);
  }

  @FieldResolver(() => MetricSeriesType, { description: METRICS.cac.description })
  cac(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.metric('cac', root.query);
  }

  @FieldResolver(() => MetricSeriesType, { description: METRICS.sales.description })
  sales(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.metric('sales', root.query);
  }

  @FieldResolver(() => [CurrencySalesType], { description: METRICS.salesByCurrency.description })
  salesByCurrency(@Root() root: Metrics): Promise<CurrencySales[]> {
    return this.service.metric('salesByCurrency', root.query);
  }

  @FieldResolver(() => MetricSeriesType, { description: METRICS.salesGrowth.description })
  salesGrowth(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.metric('salesGrowth', root.query);
  }

  @FieldResolver(() => [CampaignMetricsType], { description: METRICS.campaigns.description })
  campaigns(@Root() root: Metrics): Promise<CampaignResult[]> {
    return this.service.metric('campaigns', root.query);
  }

  @FieldResolver(() => [ChannelMetricsType], { description: METRICS.channels.description })
  channels(@Root() root: Metrics): Promise<ChannelResult[]> {
    return this.service.metric('channels', root.query);
  }

  // engagement
  @FieldResolver(() => MetricSeriesType, { description: METRICS.engagementRate.description })
  engagementRate(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.metric('engagementRate', root.query);
  }

  @FieldResolver(() => ActiveCustomersType, { description: METRICS.activeCustomers.description })
  activeCustomers(@Root() root: Metrics): Promise<ActiveResult> {
    return this.service.metric('activeCustomers', root.query);
  }

  @FieldResolver(() => CsatType, { description: METRICS.csat.description })
  csat(@Root() root: Metrics): Promise<CsatResult> {
    return this.service.metric('csat', root.query);
  }

  // retention
  @FieldResolver(() => MetricSeriesType, { description: METRICS.retentionRate.description })
  retentionRate(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.metric('retentionRate', root.query);
  }

  @FieldResolver(() => MetricSeriesType, { description: METRICS.churnRate.description })
  churnRate(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.metric('churnRate', root.query);
  }

  @FieldResolver(() => MetricSeriesType, { description: METRICS.historicalClv.description })
  historicalClv(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.metric('historicalClv', root.query);
  }

  @FieldResolver(() => MetricSeriesType, { description: METRICS.repeatPurchaseRate.description })
  repeatPurchaseRate(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.metric('repeatPurchaseRate', root.query);
  }

  // advocacy / loyalty
  @FieldResolver(() => NpsType, { description: METRICS.nps.description })
  nps(@Root() root: Metrics): Promise<NpsResult> {
    return this.service.metric('nps', root.query);
  }

  @FieldResolver(() => MetricSeriesType, { description: METRICS.referralRate.description })
  referralRate(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.metric('referralRate', root.query);
  }

  // the journey
  @FieldResolver(() => [FunnelStepType], { description: METRICS.funnel.description })
  funnel(@Root() root: Metrics): Promise<FunnelStep[]> {
    return this.service.metric('funnel', root.query);
  }

  @FieldResolver(() => [StageTimeType], { description: METRICS.timeInStage.description })
  timeInStage(@Root() root: Metrics): Promise<StageTime[]> {
    return this.service.metric('timeInStage', root.query);
  }

  @FieldResolver(() => [StageDistributionPointType], { description: METRICS.stageDistribution.description })
  stageDistribution(@Root() root: Metrics): Promise<StageDistributionPoint[]> {
    return this.service.metric('stageDistribution', root.query);
  }

  @FieldResolver(() => [CohortRowType], { description: METRICS.cohortRetention.description })
  cohortRetention(@Root() root: Metrics): Promise<CohortRow[]> {
    return this.service.metric('cohortRetention', root.query);
  }
}
