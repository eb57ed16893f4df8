import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { WebhookDelivery, WebhookEndpoint } from '../webhook.type';

/*
 * Webhooks in GraphQL. Inputs are plain lists and text: the service
 * validates them all at once and names each bad field (`input.stages[2]`).
 */

@InputType({ description: 'A new webhook endpoint.' })
export class CreateWebhookEndpointInput {
  @Field({
    description:
      'The https (or http) URL to POST to. Refused when its host is or resolves to a private, loopback, link-local or metadata address.',
  })
  url!: string;
  @Field(() => [String], { description: 'The event types to deliver (see webhookEventTypes); 1 to 20.' })
  eventTypes!: string[];
  @Field(() => [String], { nullable: true, description: 'Only events in these stages (at most 20); omit for any.' })
  stages?: string[] | null;
  @Field(() => [ID], {
    nullable: true,
    description: 'Only events about these segments, or about customers in them (at most 50); omit for any.',
  })
  segmentIds?: string[] | null;
  @Field(() => String, { nullable: true, description: 'What the endpoint is for (at most 500 characters).' })
  description?: string | null;
}

@InputType({
  description: 'Changes to an endpoint; omitted fields stay as they are, `stages: null` or `segmentIds: null` removes that filter.',
})
export class UpdateWebhookEndpointInput {
  @Field(() => String, { nullable: true, description: 'The URL to POST to.' })
  url?: string | null;
  @Field(() => [String], { nullable: true, description: 'The event types to deliver.' })
  eventTypes?: string[] | null;
  @Field(() => [String], { nullable: true, description: 'Only events in these stages; null for any.' })
  stages?: string[] | null;
  @Field(() => [ID], { nullable: true, description: 'Only events about these segments or their members; null for any.' })
  segmentIds?: string[] | null;
  @Field(() => String, { nullable: true, description: 'What the endpoint is for.' })
  description?: string | null;
}

@ObjectType({
  description: 'An endpoint with its signing secret: answered once, when created or rotated. Keep the secret; it is not shown again.',
})
export class WebhookEndpointSecret {
  @Field(() => WebhookEndpoint, { description: 'The endpoint.' })
  endpoint!: WebhookEndpoint;
  @Field({
    description:
      'The signing secret, `whsec_` + base64 of 32 random bytes: give it to `new Webhook(secret)` of the standardwebhooks package.',
  })
  secret!: string;
}

@ObjectType({ description: "A page of an endpoint's delivery log, newest first." })
export class WebhookDeliveryPage {
  @Field(() => [WebhookDelivery], { description: 'The deliveries, newest first.' })
  deliveries!: WebhookDelivery[];
  @Field(() => String, { nullable: true, description: 'Pass as `before` for the next (older) page; null on the last page.' })
  nextBefore!: string | null;
}

@ObjectType({ description: 'What a replay queued.' })
export class WebhookReplay {
  @Field(() => Int, { description: 'Deliveries queued again (each event once, with its original webhook-id).' })
  queued!: number;
}
