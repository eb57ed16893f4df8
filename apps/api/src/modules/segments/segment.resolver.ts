import {
  Arg,
  Args,
  ArgsType,
  Authorized,
  Ctx,
  Extensions,
  Field,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';
import type { SubscribeResolverData } from 'type-graphql';
import { storableDate } from '../../core/dates';
import { invalidInput } from '../../core/errors';
import { isUuid } from '../../core/ids';
import { Scope } from '../../core/principal';
import { streamKey } from '../../core/request-context';
import type { RequestContext } from '../../core/request-context';
import type { LogStream, StreamEvent } from '../../log';
import { Customer } from '../customers';
import { previewSegmentCost, segmentDefinitionCost } from './rule-cost';
import { CreateSegmentInput, SegmentMembershipEvent, SegmentPreview, SegmentRuleInput, UpdateSegmentInput } from './dto/segment.types';
import type { SegmentMembershipChange } from './segment.type';
import { Segment, SegmentTrendPoint } from './segment.type';
import type { Preview, SegmentService } from './segment.service';

/** The live stream of segment membership changes, registered at start-up (see server/services.ts). */
export const SEGMENT_CHANGE_STREAM = streamKey<LogStream<SegmentMembershipChange>>('segmentMembershipChanged');

@ArgsType()
class MembershipStreamArgs {
  @Field(() => ID, { description: 'The segment.' })
  segmentId!: string;
  @Field(() => String, {
    nullable: true,
    description: 'Resume after this cursor: first every change committed since (from the log), then live ones; none is missed or repeated.',
  })
  after?: string | null;
}

@Resolver(() => Segment)
export class SegmentResolver {
  constructor(private readonly service: SegmentService) {}

  @Authorized(Scope.READ)
  @Query(() => [Segment], { description: 'Every segment, by name.' })
  segments(): Promise<Segment[]> {
    return this.service.list();
  }

  @Authorized(Scope.READ)
  @Query(() => Segment, { nullable: true, description: 'One segment; null when there is none with this id.' })
  segment(@Arg('id', () => ID, { description: 'The segment id.' }) id: string): Promise<Segment | null> {
    return this.service.find(id);
  }

  @Authorized(Scope.READ)
  @Extensions({ cost: previewSegmentCost })
  @Query(() => SegmentPreview, {
    description:
      'How many customers an unsaved rule selects, and up to 10 of them: for a rule builder, on every change. Nothing is stored.',
  })
  previewSegment(
    @Arg('rule', () => SegmentRuleInput, { description: 'The rule.' }) rule: SegmentRuleInput,
    @Arg('asOf', () => Date, { nullable: true, description: 'Evaluate as of this time; default now.' }) asOf?: Date | null,
  ): Promise<Preview> {
    return this.service.preview(rule, asOf == null ? undefined : storableDate(asOf, 'asOf'));
  }

  @Authorized(Scope.ADMIN)
  @Extensions({ cost: segmentDefinitionCost })
  @Mutation(() => Segment, {
    description: 'Creates a segment; its membership is evaluated before the response. Refused with every problem of an invalid rule.',
  })
  createSegment(
    @Ctx() context: RequestContext,
    @Arg('input', () => CreateSegmentInput, { description: 'The segment.' }) input: CreateSegmentInput,
  ): Promise<Segment> {
    return this.service.create(input, context.principal.name);
  }

  @Authorized(Scope.ADMIN)
  @Extensions({ cost: segmentDefinitionCost })
  @Mutation(() => Segment, { description: 'Changes a segment; a new rule is evaluated before the response.' })
  updateSegment(
    @Ctx() context: RequestContext,
    @Arg('id', () => ID, { description: 'The segment.' }) id: string,
    @Arg('input', () => UpdateSegmentInput, { description: 'The changes.' }) input: UpdateSegmentInput,
  ): Promise<Segment> {
    return this.service.update(id, input, context.principal.name);
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => Boolean, {
    description: 'Deletes a segment (its members leave it first, cause SEGMENT_DELETED); false when there was none.',
  })
  deleteSegment(@Arg('id', () => ID, { description: 'The segment.' }) id: string): Promise<boolean> {
    return this.service.delete(id);
  }

  @FieldResolver(() => Int, { description: 'How many customers are in the segment now.' })
  memberCount(@Root() segment: Segment, @Ctx() context: RequestContext): Promise<number> {
    return context.scope.get(this.service.memberCounts).load(segment.id);
  }

  @FieldResolver(() => [SegmentTrendPoint], {
    description:
      'Members at the end of each of the last `days` UTC days, oldest first (the last is today, counted now), computed back from the current count through the membership log.',
  })
  async memberTrend(
    @Root() segment: Segment,
    @Ctx() context: RequestContext,
    @Arg('days', () => Int, { defaultValue: 30, description: 'How many days, 1 to 366; default 30.' }) days: number,
  ): Promise<SegmentTrendPoint[]> {
    if (!Number.isInteger(days) || days < 1 || days > 366) throw invalidInput('days', 'must be a whole number from 1 to 366');
    return context.scope.get(this.service.memberTrends).load(`${days}:${segment.id}`);
  }

  @Authorized(Scope.READ)
  @Subscription(() => SegmentMembershipEvent, {
    description:
      'Customers entering and leaving one segment, as committed, from every instance. Keep the last cursor and pass it as `after` on reconnect.',
    subscribe: ({ args, context }: SubscribeResolverData<unknown, MembershipStreamArgs, RequestContext>) => {
      if (!isUuid(args.segmentId)) throw invalidInput('segmentId', `"${args.segmentId}" is not a segment id`);
      const segmentId = args.segmentId.toLowerCase();
      return context.streams.get(SEGMENT_CHANGE_STREAM).open((change) => change.segmentId === segmentId, args.after ?? null);
    },
  })
  segmentMembershipChanged(
    @Root() event: StreamEvent<SegmentMembershipChange>,
    @Args() _args: MembershipStreamArgs,
  ): SegmentMembershipEvent {
    return { cursor: event.cursor, change: event.value };
  }
}

@Resolver(() => Customer)
export class CustomerSegmentsResolver {
  constructor(private readonly service: SegmentService) {}

  @FieldResolver(() => [Segment], { description: 'The segments the customer is in, by name.' })
  segments(@Root() customer: Customer, @Ctx() context: RequestContext): Promise<Segment[]> {
    return context.scope.get(this.service.segmentsOf).load(customer.id);
  }
}
