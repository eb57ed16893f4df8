import { Arg, Authorized, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { Scope } from '../../core/principal';
import {
  ActiveCustomersType,
  CampaignMetricsType,
  ChannelMetricsType,
  CohortRowType,
  CsatType,
  DayRangeInput,
  FunnelStepType,
  Metrics,
  MetricFilterInput,
  MetricSeriesType,
  MetricsPositionType,
  NpsType,
  StageDistributionPointType,
  StageTimeType,
} from './dto/metrics.types';
import { Attribution } from './metric-sources';
import { Bucket } from './metric-windows';
import type {
  ActiveResult,
  CampaignResult,
  ChannelResult,
  CohortRow,
  CsatResult,
  FunnelStep,
  MetricSeries,
  MetricsService,
  NpsResult,
  StageDistributionPoint,
  StageTime,
} from './metrics.service';

@Resolver(() => Metrics)
export class MetricsResolver {
  constructor(private readonly service: MetricsService) {}

  @Authorized(Scope.READ)
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

  @FieldResolver(() => MetricsPositionType, {
    description: 'The log cursors up to which these metrics are exact (the projection follows the logs within about a second).',
  })
  exactUpTo(): Promise<{ transitions: string; touchpoints: string }> {
    return this.service.exactUpTo();
  }

  // awareness / reach
  @FieldResolver(() => MetricSeriesType, { description: 'Page views: `page_view` touchpoints (by occurredAt).' })
  pageViews(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.pageViews(root.query);
  }

  @FieldResolver(() => MetricSeriesType, { description: 'Unique visitors: distinct customers with a `page_view` in the window.' })
  uniqueVisitors(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.uniqueVisitors(root.query);
  }

  @FieldResolver(() => MetricSeriesType, { description: 'Social engagements: `social_engagement` touchpoints (likes, comments, follows).' })
  socialEngagements(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.socialEngagements(root.query);
  }

  @FieldResolver(() => MetricSeriesType, { description: 'Social shares: `social_share` touchpoints.' })
  socialShares(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.socialShares(root.query);
  }

  @FieldResolver(() => MetricSeriesType, { description: 'Brand mentions: `mention` touchpoints.' })
  brandMentions(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.brandMentions(root.query);
  }

  // acquisition / conversion
  @FieldResolver(() => MetricSeriesType, {
    description: "New customers: customers who first entered the model's acquired stage in the window.",
  })
  newCustomers(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.newCustomers(root.query);
  }

  @FieldResolver(() => MetricSeriesType, {
    description:
      'Conversion rate: of the customers who entered the lifecycle in the window, the share that has reached the acquired stage or beyond.',
  })
  conversionRate(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.conversionRate(root.query);
  }

  @FieldResolver(() => MetricSeriesType, {
    description: 'CAC (cost per acquisition): campaign spend in the window ÷ new customers in the window.',
  })
  cac(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.cac(root.query);
  }

  @FieldResolver(() => MetricSeriesType, { description: 'Sales: the sum of `value` of `purchase` touchpoints.' })
  sales(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.sales(root.query);
  }

  @FieldResolver(() => MetricSeriesType, {
    description:
      'Sales growth: (sales − sales of the previous period of equal length) ÷ sales of that period; each bucket against the period before it.',
  })
  salesGrowth(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.salesGrowth(root.query);
  }

  @FieldResolver(() => [CampaignMetricsType], {
    description: 'Per campaign: spend, new customers, CAC, attributed revenue and ROI = (revenue − spend) ÷ spend.',
  })
  campaigns(@Root() root: Metrics): Promise<CampaignResult[]> {
    return this.service.campaigns(root.query);
  }

  @FieldResolver(() => [ChannelMetricsType], { description: 'Per channel: spend of its campaigns, new customers credited to it, CAC.' })
  channels(@Root() root: Metrics): Promise<ChannelResult[]> {
    return this.service.channels(root.query);
  }

  // engagement
  @FieldResolver(() => MetricSeriesType, {
    description:
      'Engagement rate: customers with an engagement touchpoint in the window ÷ customers in the lifecycle (any stage but churned) at its end.',
  })
  engagementRate(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.engagementRate(root.query);
  }

  @FieldResolver(() => ActiveCustomersType, {
    description: 'Active customers: distinct customers with any touchpoint in the window; DAU, WAU, MAU.',
  })
  activeCustomers(@Root() root: Metrics): Promise<ActiveResult> {
    return this.service.activeCustomers(root.query);
  }

  @FieldResolver(() => CsatType, {
    description: 'CSAT: the average `properties.score` (1–5) of `feedback` touchpoints, every response counted.',
  })
  csat(@Root() root: Metrics): Promise<CsatResult> {
    return this.service.csat(root.query);
  }

  // retention
  @FieldResolver(() => MetricSeriesType, {
    description:
      'Customer retention rate CRR = (E − N) ÷ S: customers (acquired stage or later, or at-risk) at the end (E) and start (S) of the window, N acquired in it.',
  })
  retentionRate(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.retentionRate(root.query);
  }

  @FieldResolver(() => MetricSeriesType, {
    description: 'Churn rate: customers who moved from a customer stage to churned in the window ÷ customers at its start (S).',
  })
  churnRate(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.churnRate(root.query);
  }

  @FieldResolver(() => MetricSeriesType, {
    description: 'Historical CLV: all sales before the end of the window ÷ customers acquired before its end.',
  })
  historicalClv(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.historicalClv(root.query);
  }

  @FieldResolver(() => MetricSeriesType, {
    description: 'Repeat purchase rate: customers with a second purchase before the end of the window ÷ customers with a first.',
  })
  repeatPurchaseRate(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.repeatPurchaseRate(root.query);
  }

  // advocacy / loyalty
  @FieldResolver(() => NpsType, {
    description: "NPS from `survey_response` touchpoints (`properties.score` 0–10), each customer's latest score in the window.",
  })
  nps(@Root() root: Metrics): Promise<NpsResult> {
    return this.service.nps(root.query);
  }

  @FieldResolver(() => MetricSeriesType, {
    description: 'Referral rate: customers with a `referral` touchpoint in the window ÷ active customers in it.',
  })
  referralRate(@Root() root: Metrics): Promise<MetricSeries> {
    return this.service.referralRate(root.query);
  }

  // the journey
  @FieldResolver(() => [FunnelStepType], { description: 'The funnel of the cohort that entered the lifecycle in the range.' })
  funnel(@Root() root: Metrics): Promise<FunnelStep[]> {
    return this.service.funnel(root.query);
  }

  @FieldResolver(() => [StageTimeType], { description: 'Time in stage, from the transition log: completed stays that ended in the range.' })
  timeInStage(@Root() root: Metrics): Promise<StageTime[]> {
    return this.service.timeInStage(root.query);
  }

  @FieldResolver(() => [StageDistributionPointType], { description: 'Customers per stage at the end of each bucket.' })
  stageDistribution(@Root() root: Metrics): Promise<StageDistributionPoint[]> {
    return this.service.stageDistribution(root.query);
  }

  @FieldResolver(() => [CohortRowType], {
    description: 'Cohort retention by acquisition month: the share of each cohort active in each later month.',
  })
  cohortRetention(@Root() root: Metrics): Promise<CohortRow[]> {
    return this.service.cohortRetention(root.query);
  }
}
