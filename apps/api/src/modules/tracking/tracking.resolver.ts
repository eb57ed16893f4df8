import { Arg, Authorized, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import { invalidInput } from '../../core/errors';
import { Scope } from '../../core/principal';
import type { RequestContext } from '../../core/request-context';
import { TrackingMappingType, TrackingRejections } from './dto/tracking.types';
import type { TrackingMapping } from './tracking-mapping';
import type { TrackingService } from './tracking.service';
import { KEPT_REJECTIONS } from './tracking.sql';

const MAX_INT = 2_147_483_647;

@Resolver()
export class TrackingResolver {
  constructor(private readonly tracking: TrackingService) {}

  @Authorized(Scope.ADMIN)
  @Query(() => TrackingMappingType, { description: 'How Segment messages on /v1 become customers and touchpoints (admin).' })
  async trackingMapping(): Promise<TrackingMapping> {
    return (await this.tracking.mapping()).mapping;
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => TrackingMappingType, {
    description:
      'Replaces the /v1 mapping as a whole; every problem is refused at once, naming its path. Other instances follow within 5 s.',
  })
  setTrackingMapping(
    @Ctx() context: RequestContext,
    @Arg('mapping', () => TrackingMappingType, { description: 'The whole mapping (read trackingMapping, change, send back).' })
    mapping: TrackingMappingType,
  ): Promise<TrackingMapping> {
    return this.tracking.setMapping(plain(mapping), context.principal.name);
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => TrackingMappingType, { description: 'Puts the /v1 mapping back to the Segment Spec defaults.' })
  resetTrackingMapping(@Ctx() context: RequestContext): Promise<TrackingMapping> {
    return this.tracking.resetMapping(context.principal.name);
  }

  @Authorized(Scope.ADMIN)
  @Query(() => TrackingRejections, { description: 'Messages /v1 rejected: how many ever, and the latest with their reasons (admin).' })
  async trackingRejections(
    @Arg('last', () => Int, { defaultValue: 20, description: `How many of the latest (at most ${KEPT_REJECTIONS}).` }) last: number,
  ): Promise<TrackingRejections> {
    if (last < 0 || last > KEPT_REJECTIONS) throw invalidInput('last', `must be between 0 and ${KEPT_REJECTIONS}`);
    const { total, latest } = await this.tracking.rejections(last);
    return {
      total: Math.min(total, MAX_INT),
      latest: latest.map((row) => ({
        receivedAt: row.received_at,
        route: row.route,
        keyName: row.key_name,
        messageType: row.message_type,
        messageId: row.message_id,
        field: row.field,
        reason: row.reason,
      })),
    };
  }
}

/** The input as plain data (type-graphql builds class instances), in the mapping's own field order. */
function plain(mapping: TrackingMappingType): TrackingMapping {
  return {
    events: mapping.events.map((rule) => ({
      event: rule.event,
      type: rule.type,
      channel: rule.channel ?? null,
      valueFrom: [...rule.valueFrom],
      currencyFrom: rule.currencyFrom ?? null,
      numbers: rule.numbers.map((number) => ({ to: number.to, from: [...number.from] })),
    })),
    pageType: mapping.pageType,
    screenType: mapping.screenType,
    defaultChannel: mapping.defaultChannel,
    mediums: mapping.mediums.map((rule) => ({ medium: rule.medium, channel: rule.channel })),
    traits: {
      email: mapping.traits.email,
      name: mapping.traits.name,
      firstName: mapping.traits.firstName,
      lastName: mapping.traits.lastName,
    },
    groupAttribute: mapping.groupAttribute,
    storeIpAddress: mapping.storeIpAddress,
  };
}
