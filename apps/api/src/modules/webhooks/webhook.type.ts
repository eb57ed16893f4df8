import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

/** Where a delivery stands. */
export type DeliveryState = 'pending' | 'sending' | 'delivered' | 'failed' | 'skipped';

export enum WebhookDeliveryState {
  PENDING = 'pending',
  SENDING = 'sending',
  DELIVERED = 'delivered',
  FAILED = 'failed',
  SKIPPED = 'skipped',
}

registerEnumType(WebhookDeliveryState, {
  name: 'WebhookDeliveryState',
  description: 'Where a webhook delivery stands.',
  valuesConfig: {
    PENDING: { description: 'Waiting for its next attempt (see nextAttemptAt), or for an earlier delivery of the same customer.' },
    SENDING: { description: 'An attempt is under way.' },
    DELIVERED: { description: 'The endpoint answered 2xx.' },
    FAILED: { description: 'Every attempt failed, the endpoint answered 410, or a test send failed.' },
    SKIPPED: { description: 'The endpoint was disabled; replayWebhookDeliveries sends it again.' },
  },
});

@ObjectType({
  description: 'An endpoint clm calls with signed webhooks (Standard Webhooks). Its secret is shown only when created or rotated.',
})
export class WebhookEndpoint {
  @Field(() => ID, { description: 'The endpoint id.' })
  id!: string;

  @Field({ description: 'The URL called with POST.' })
  url!: string;

  @Field(() => String, { nullable: true, description: 'What the endpoint is for.' })
  description!: string | null;

  @Field(() => [String], { description: 'The event types delivered to it (see webhookEventTypes).' })
  eventTypes!: string[];

  @Field(() => [String], {
    nullable: true,
    description: "Only events whose stage is one of these (a stage change's new stage, otherwise the customer's current stage); null: any.",
  })
  stages!: string[] | null;

  @Field(() => [ID], {
    nullable: true,
    description: 'Only events about one of these segments (segment events) or about customers in one of them (other events); null: any.',
  })
  segmentIds!: string[] | null;

  @Field(() => Date, {
    nullable: true,
    description: 'During a secret rotation: until when the previous secret still signs beside the new one; null otherwise.',
  })
  previousSecretValidUntil!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it was disabled (nothing is sent while disabled); null while enabled.' })
  disabledAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'Why it was disabled: an answer of 410 Gone, five days of failures, or by hand.' })
  disabledReason!: string | null;

  @Field(() => Date, { nullable: true, description: 'Since when every attempt has failed; null when the last one succeeded.' })
  failingSince!: Date | null;

  @Field(() => Date, { description: 'When it was registered.' })
  createdAt!: Date;

  @Field(() => Date, { description: 'When it was last changed.' })
  updatedAt!: Date;
}

@ObjectType({ description: 'One attempt of a delivery.' })
export class WebhookAttempt {
  @Field(() => Int, { description: 'The attempt number, from 1.' })
  attempt!: number;

  @Field(() => Date, { description: 'When it started.' })
  startedAt!: Date;

  @Field(() => Int, { description: 'How long it took, in milliseconds.' })
  durationMs!: number;

  @Field(() => Int, { nullable: true, description: "The endpoint's HTTP status; null when no answer came (timeout, refused, network)." })
  status!: number | null;

  @Field(() => String, { nullable: true, description: 'What went wrong, in words; null on success.' })
  error!: string | null;

  @Field(() => String, { description: '`delivered`, `retry` (another attempt is scheduled), `failed` or `disabled` (410 Gone).' })
  outcome!: 'delivered' | 'retry' | 'failed' | 'disabled';
}

@ObjectType({ description: 'One event delivered (or to be delivered) to one endpoint.' })
export class WebhookDelivery {
  @Field(() => ID, { description: 'The delivery id; deliveries of an endpoint are numbered in the order they were queued.' })
  id!: string;

  @Field(() => ID, { description: 'The endpoint.' })
  endpointId!: string;

  @Field({ description: 'The `webhook-id` header: the same on every attempt, redelivery and replay of this event.' })
  webhookId!: string;

  @Field({ description: 'The event type (`customer.stage_changed`, …, or `webhook.test`).' })
  eventType!: string;

  @Field(() => ID, { nullable: true, description: 'The customer it is about (null for a test send).' })
  customerId!: string | null;

  @Field(() => WebhookDeliveryState, { description: 'Where it stands.' })
  state!: DeliveryState;

  @Field(() => Int, { description: 'Attempts made so far.' })
  attempts!: number;

  @Field(() => Date, { nullable: true, description: 'When the next attempt is due (pending only).' })
  nextAttemptAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the last attempt started.' })
  lastAttemptAt!: Date | null;

  @Field(() => Int, { nullable: true, description: "The last attempt's HTTP status; null when none answered." })
  lastStatus!: number | null;

  @Field(() => String, { nullable: true, description: 'What went wrong last, in words.' })
  lastError!: string | null;

  @Field(() => Int, { nullable: true, description: 'How long the last attempt took, in milliseconds.' })
  lastDurationMs!: number | null;

  @Field(() => Date, { nullable: true, description: 'When the endpoint answered 2xx.' })
  deliveredAt!: Date | null;

  @Field(() => Date, { description: 'When it was queued.' })
  createdAt!: Date;

  @Field({ description: 'The request body sent (JSON text), exactly as signed.' })
  payload!: string;
}
