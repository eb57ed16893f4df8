import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Scope } from '../../core/principal';
import type { RequestContext } from '../../core/request-context';
import {
  CreateWebhookEndpointInput,
  UpdateWebhookEndpointInput,
  WebhookDeliveryPage,
  WebhookEndpointSecret,
  WebhookReplay,
} from './dto/webhook.types';
import type { DeliveryPage, WebhookDeliveryService } from './webhook-delivery.service';
import { MAX_DELIVERY_PAGE } from './webhook-delivery.service';
import type { EndpointWithSecret, WebhookEndpointService } from './webhook.service';
import { WebhookAttempt, WebhookDelivery, WebhookEndpoint } from './webhook.type';

/** Endpoints, their delivery logs and what admins do with them. Admin keys only: URLs and logs are the business's integrations. */
@Resolver(() => WebhookDelivery)
export class WebhookResolver {
  constructor(
    private readonly endpoints: WebhookEndpointService,
    private readonly deliveries: WebhookDeliveryService,
  ) {}

  @Authorized(Scope.ADMIN)
  @Query(() => [String], { description: 'The event types an endpoint can subscribe to.' })
  webhookEventTypes(): string[] {
    return this.endpoints.eventTypes();
  }

  @Authorized(Scope.ADMIN)
  @Query(() => [WebhookEndpoint], { description: 'Every webhook endpoint, oldest first.' })
  webhookEndpoints(): Promise<WebhookEndpoint[]> {
    return this.endpoints.list();
  }

  @Authorized(Scope.ADMIN)
  @Query(() => WebhookEndpoint, { nullable: true, description: 'One endpoint; null when there is none with this id.' })
  webhookEndpoint(@Arg('id', () => ID, { description: 'The endpoint id.' }) id: string): Promise<WebhookEndpoint | null> {
    return this.endpoints.find(id);
  }

  @Authorized(Scope.ADMIN)
  @Query(() => WebhookDeliveryPage, { description: "An endpoint's delivery log, newest first." })
  webhookDeliveries(
    @Arg('endpointId', () => ID, { description: 'The endpoint.' }) endpointId: string,
    @Arg('first', () => Int, { defaultValue: 50, description: `How many (1–${MAX_DELIVERY_PAGE}).` }) first: number,
    @Arg('before', () => String, { nullable: true, description: "The previous page's nextBefore." }) before?: string | null,
  ): Promise<DeliveryPage> {
    return this.deliveries.log(endpointId, first, before ?? null);
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => WebhookEndpointSecret, {
    description:
      'Registers an endpoint and answers with its signing secret, once. Refused when the URL is or resolves to a private, loopback, link-local or metadata address (WEBHOOK_URL_FORBIDDEN), or with every problem of the input (BAD_USER_INPUT).',
  })
  createWebhookEndpoint(
    @Arg('input', () => CreateWebhookEndpointInput, { description: 'The endpoint.' }) input: CreateWebhookEndpointInput,
    @Ctx() context: RequestContext,
  ): Promise<EndpointWithSecret> {
    return this.endpoints.create(input, context.principal.name);
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => WebhookEndpoint, { description: 'Changes an endpoint; a new URL is checked like a new endpoint.' })
  updateWebhookEndpoint(
    @Arg('id', () => ID, { description: 'The endpoint id.' }) id: string,
    @Arg('input', () => UpdateWebhookEndpointInput, { description: 'The changes.' }) input: UpdateWebhookEndpointInput,
  ): Promise<WebhookEndpoint> {
    return this.endpoints.update(id, input);
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => Boolean, { description: 'Deletes an endpoint and its delivery log; false when there was none.' })
  deleteWebhookEndpoint(@Arg('id', () => ID, { description: 'The endpoint id.' }) id: string): Promise<boolean> {
    return this.endpoints.delete(id);
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => WebhookEndpointSecret, {
    description: 'A new signing secret, answered once; the previous one keeps signing beside it for 24 hours (two v1 signatures).',
  })
  rotateWebhookSecret(@Arg('id', () => ID, { description: 'The endpoint id.' }) id: string): Promise<EndpointWithSecret> {
    return this.endpoints.rotateSecret(id);
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => WebhookEndpoint, {
    description: 'Enables a disabled endpoint (what was skipped meanwhile is sent by replayWebhookDeliveries).',
  })
  enableWebhookEndpoint(@Arg('id', () => ID, { description: 'The endpoint id.' }) id: string): Promise<WebhookEndpoint> {
    return this.endpoints.enable(id);
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => WebhookEndpoint, { description: 'Disables an endpoint by hand: nothing is sent to it until it is enabled.' })
  disableWebhookEndpoint(
    @Arg('id', () => ID, { description: 'The endpoint id.' }) id: string,
    @Arg('reason', () => String, { nullable: true, description: 'Why, shown with the endpoint (at most 500 characters).' })
    reason: string | null,
    @Ctx() context: RequestContext,
  ): Promise<WebhookEndpoint> {
    return this.endpoints.disable(id, reason ?? null, context.principal.name);
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => WebhookDelivery, { description: "Sends one delivery's event again (same webhook-id), as a new delivery due now." })
  redeliverWebhook(@Arg('deliveryId', () => ID, { description: 'A delivery of the log.' }) deliveryId: string): Promise<WebhookDelivery> {
    return this.deliveries.redeliver(deliveryId);
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => WebhookReplay, {
    description:
      'Queues again every event an endpoint had a delivery of after the delivery `after` (for an endpoint that was down), each once with its original webhook-id, in order.',
  })
  async replayWebhookDeliveries(
    @Arg('endpointId', () => ID, { description: 'The endpoint.' }) endpointId: string,
    @Arg('after', () => ID, { description: 'A delivery id of its log: everything after it is sent again.' }) after: string,
  ): Promise<WebhookReplay> {
    return Object.assign(new WebhookReplay(), { queued: await this.deliveries.replay(endpointId, after) });
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => WebhookDelivery, {
    description: 'Sends a signed `webhook.test` event to the endpoint now and answers with the outcome (no retries).',
  })
  sendTestWebhook(@Arg('endpointId', () => ID, { description: 'The endpoint.' }) endpointId: string): Promise<WebhookDelivery> {
    return this.deliveries.sendTest(endpointId);
  }

  @FieldResolver(() => [WebhookAttempt], { description: 'Every attempt, oldest first.' })
  attemptLog(@Root() delivery: WebhookDelivery, @Ctx() context: RequestContext): Promise<WebhookAttempt[]> {
    return context.scope.get(this.deliveries.attemptsOf).load(delivery.id);
  }
}
