import { Field, Float, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Attribution } from '../metric-sources';
import { Bucket } from '../metric-windows';
import type { MetricsQuery } from '../metrics.service';

registerEnumType(Bucket, {
  name: 'MetricBucket',
  description:
    'How a time series is cut: UTC calendar days, ISO weeks (Monday first) or calendar months; the first and last bucket are cut to the range.',
  valuesConfig: {
    DAY: { description: 'One point per UTC day.' },
    WEEK: { description: 'One point per ISO week (keyed by its Monday).' },
    MONTH: { description: 'One point per calendar month (keyed by its first day).' },
  },
});

registerEnumType(Attribution, {
  name: 'Attribution',
  description: 'Which touch a new customer is credited to, for channel and campaign filters, CAC and ROI.',
  valuesConfig: {
    FIRST_TOUCH: { description: "The customer's first touchpoint (as known when they were acquired)." },
    ACQUIRING_TOUCH: { description: 'The touchpoint that moved the customer into the acquired stage.' },
    LAST_TOUCH: {
      description:
        'The last touchpoint with a campaign in the lookbackDays before the acquisition, else the acquiring touchpoint (computed at query time).',
    },
  },
});

@InputType({ description: 'A range of whole UTC days, both ends included.' })
export class DayRangeInput {
  @Field(() => String, { description: 'First day, YYYY-MM-DD.' })
  from!: string;
  @Field(() => String, { description: 'Last day, YYYY-MM-DD (included).' })
  to!: string;
}

@InputType({
  description:
    'Narrows the metrics. Touchpoint metrics filter by the touchpoint; customer metrics by the customer (segment membership now, or acquisition).',
})
export class MetricFilterInput {
  @Field(() => String, { nullable: true, description: "Only the segment's current members." })
  segment?: string | null;
  @Field(() => String, { nullable: true, description: 'Touchpoints of this channel; customers acquired through it (by the attribution).' })
  channel?: string | null;
  @Field(() => String, { nullable: true, description: 'Touchpoints of this campaign; customers acquired through it (by the attribution).' })
  campaign?: string | null;
}

@ObjectType({ description: 'One point of a time series.' })
export class MetricPoint {
  @Field(() => String, { description: 'The calendar start of the bucket (YYYY-MM-DD).' })
  bucket!: string;
  @Field(() => Float, { nullable: true, description: 'The value in the bucket; null when its denominator is zero.' })
  value!: number | null;
}

@ObjectType({
  description:
    'A metric over the range: its total, the previous period of equal length (when asked), the change, and the series by bucket.',
})
export class MetricSeriesType {
  @Field(() => Float, { nullable: true, description: 'The value over the whole range; null when its denominator is zero.' })
  total!: number | null;
  @Field(() => Float, {
    nullable: true,
    description: 'The value over the period of equal length just before the range (compareToPrevious).',
  })
  previous!: number | null;
  @Field(() => Float, {
    nullable: true,
    description: '(total − previous) ÷ |previous| (for NPS: total − previous, in points); null without both.',
  })
  change!: number | null;
  @Field(() => [MetricPoint], { description: 'The value in each bucket of the range.' })
  series!: MetricPoint[];
}

@ObjectType({
  description: "Net Promoter Score: % promoters (9–10) − % detractors (0–6); each customer's latest score in the window counts once.",
})
export class NpsType extends MetricSeriesType {
  @Field(() => Int, { description: 'Customers whose latest score in the range is 9 or 10.' })
  promoters!: number;
  @Field(() => Int, { description: 'Customers whose latest score in the range is 7 or 8.' })
  passives!: number;
  @Field(() => Int, { description: 'Customers whose latest score in the range is 0 to 6.' })
  detractors!: number;
  @Field(() => Int, { description: 'Customers who answered in the range.' })
  responses!: number;
}

@ObjectType({ description: 'How many responses gave one score.' })
export class ScoreCountType {
  @Field(() => Int, { description: 'The score.' })
  score!: number;
  @Field(() => Int, { description: 'Responses with it.' })
  responses!: number;
}

@ObjectType({ description: 'Customer satisfaction: the average of every feedback score (1–5) in the window, and their distribution.' })
export class CsatType extends MetricSeriesType {
  @Field(() => Int, { description: 'Feedback responses in the range.' })
  responses!: number;
  @Field(() => [ScoreCountType], { description: 'Responses per score in the range.' })
  distribution!: ScoreCountType[];
}

@ObjectType({ description: 'Customers with any touchpoint: distinct per window, and the usual daily, weekly and monthly figures.' })
export class ActiveCustomersType extends MetricSeriesType {
  @Field(() => Float, { nullable: true, description: 'DAU: the average over the days of the range of customers active that day.' })
  dau!: number | null;
  @Field(() => Int, { description: 'WAU: customers active in the last 7 days of the range.' })
  wau!: number;
  @Field(() => Int, { description: 'MAU: customers active in the last 30 days of the range.' })
  mau!: number;
}

@ObjectType({ description: 'One funnel stage for the cohort that entered the lifecycle in the range.' })
export class FunnelStepType {
  @Field(() => String, { description: 'The stage key.' })
  stage!: string;
  @Field(() => Int, { description: 'Cohort customers who reached this stage or a later one (a customer may skip a stage).' })
  reached!: number;
  @Field(() => Float, {
    nullable: true,
    description: 'reached ÷ reached of the previous stage; null for the first stage or a zero denominator.',
  })
  conversionFromPrevious!: number | null;
  @Field(() => Float, {
    nullable: true,
    description: 'Median seconds from entering the lifecycle to first entering this stage, over cohort customers who entered it.',
  })
  medianSecondsToReach!: number | null;
}

@ObjectType({ description: 'Time spent in one stage: completed stays that ended in the range.' })
export class StageTimeType {
  @Field(() => String, { description: 'The stage key.' })
  stage!: string;
  @Field(() => Int, { description: 'Completed stays.' })
  stays!: number;
  @Field(() => Float, { nullable: true, description: 'Median length of a stay, in seconds (continuous percentile).' })
  medianSeconds!: number | null;
  @Field(() => Float, { nullable: true, description: '90th percentile length of a stay, in seconds (continuous percentile).' })
  p90Seconds!: number | null;
}

@ObjectType('MetricStageCount', { description: 'Customers in one stage at a point in time.' })
export class StageCountType {
  @Field(() => String, { description: 'The stage key.' })
  stage!: string;
  @Field(() => Int, { description: 'Customers holding it.' })
  customers!: number;
}

@ObjectType({ description: 'Customers per stage at the end of one bucket.' })
export class StageDistributionPointType {
  @Field(() => String, { description: 'The calendar start of the bucket.' })
  bucket!: string;
  @Field(() => String, { description: 'The day the counts are taken at the start of (the day after the bucket).' })
  at!: string;
  @Field(() => [StageCountType], { description: 'Customers per stage, funnel order then at-risk and churned.' })
  stages!: StageCountType[];
}

@ObjectType({ description: 'Customers acquired in one month and the share of them active in each later month.' })
export class CohortRowType {
  @Field(() => String, { description: 'The acquisition month, YYYY-MM.' })
  cohort!: string;
  @Field(() => Int, { description: 'Customers acquired that month.' })
  customers!: number;
  @Field(() => [Float], { nullable: 'items', description: 'Share active in month 0 (the acquisition month), 1, 2 … up to the range end.' })
  retention!: Array<number | null>;
}

@ObjectType({ description: "A campaign's spend and return in the range." })
export class CampaignMetricsType {
  @Field(() => String, { description: 'The campaign key.' })
  campaign!: string;
  @Field(() => String, { nullable: true, description: "The campaign's channel (null for a key with no campaign record)." })
  channel!: string | null;
  @Field(() => Float, { description: 'Spend recorded for the days of the range.' })
  spend!: number;
  @Field(() => Int, { description: 'Customers acquired in the range credited to it.' })
  newCustomers!: number;
  @Field(() => Float, { nullable: true, description: 'CAC: spend ÷ new customers.' })
  cac!: number | null;
  @Field(() => Float, { description: 'Purchases in the range by customers credited to it.' })
  attributedRevenue!: number;
  @Field(() => Float, { nullable: true, description: 'ROI: (attributed revenue − spend) ÷ spend.' })
  roi!: number | null;
}

@ObjectType({ description: "A channel's spend and new customers in the range." })
export class ChannelMetricsType {
  @Field(() => String, { description: 'The channel.' })
  channel!: string;
  @Field(() => Float, { description: "Spend of the channel's campaigns." })
  spend!: number;
  @Field(() => Int, { description: 'Customers acquired in the range credited to it.' })
  newCustomers!: number;
  @Field(() => Float, { nullable: true, description: 'CAC: spend ÷ new customers.' })
  cac!: number | null;
}

@ObjectType({ description: 'Where the metrics stand in the logs: they are exact up to these cursors.' })
export class MetricsPositionType {
  @Field(() => String, { description: 'Cursor in the stage-transition log (usable as stageTransitions(after:)).' })
  transitions!: string;
  @Field(() => String, { description: 'Cursor in the touchpoint log (usable as touchpointRecorded(after:)).' })
  touchpoints!: string;
}

@ObjectType({
  description: 'The lifecycle metrics for a range of days. Each field is computed only when selected. Definitions: docs/metrics.md.',
})
export class Metrics {
  /** The validated query every field reads. */
  query!: MetricsQuery;

  @Field(() => String, { description: 'The first day of the range.' })
  from!: string;
  @Field(() => String, { description: 'The last day of the range.' })
  to!: string;
}

@ObjectType({
  description: 'One metric as clm defines it: the field of `metrics` (and the `metric` of /api/metrics.csv) with its written definition.',
})
export class MetricDefinitionType {
  @Field(() => String, { description: 'The field of `metrics`.' })
  name!: string;
  @Field(() => String, {
    description: 'Its family: awareness, acquisition, engagement, retention, advocacy, journey or spend (a section of docs/metrics.md).',
  })
  family!: string;
  @Field(() => String, { description: 'The definition in short (docs/metrics.md gives the long form with an example).' })
  description!: string;
}

@ObjectType({ description: 'The purchases of one currency in the range and the sum of their value, as sent (never converted).' })
export class CurrencySalesType {
  @Field(() => String, { description: 'The ISO 4217 code the purchases were sent with; empty when none was sent.' })
  currency!: string;
  @Field(() => Int, { description: 'Purchase touchpoints in the range with this currency.' })
  purchases!: number;
  @Field(() => Float, { description: 'The sum of their `value`.' })
  amount!: number;
}
