import { withAcquiredStage } from '@clm/schema';
import type { LifecycleModel } from '@clm/schema';
import {
  Arg,
  Args,
  ArgsType,
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  Info,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import type { SubscribeResolverData } from 'type-graphql';
import { invalidInput } from '../../core/errors';
import { Scope } from '../../core/principal';
import { selectedFields } from '../../core/selection';
import { streamKey } from '../../core/request-context';
import { TimelineArgs } from '../../core/connection.types';
import type { RequestContext, RequestScoped } from '../../core/request-context';
import type { TimelineLoader, TimelinePage } from '../../database/timeline';
import type { LogStream, StreamEvent } from '../../log';
import { Customer } from '../customers';
import type { CustomerService } from '../customers';
import { LifecycleModelInput, LifecycleModelType, ModelValidation } from './dto/lifecycle-model.types';
import { RecentTransitions, StageOverview, StageTransitionConnection, StageTransitionEvent, SweepResult } from './dto/stream.types';
import type { LifecycleModelService } from './lifecycle-model.service';
import type { LifecycleService, Overview, RecentTransitions as RecentTransitionsResult } from './lifecycle.service';
import { validateLifecycleModel } from './model-validation';
import { StageTransition } from './stage-transition.type';
import type { StreamedTransition } from './transition.sql';

@ArgsType()
class TransitionStreamArgs {
  @Field(() => [String], { nullable: true, description: 'Only transitions into or out of these stages.' })
  stages?: string[] | null;
  @Field(() => ID, { nullable: true, description: "Only this customer's transitions." })
  customerId?: string | null;
  @Field(() => String, {
    nullable: true,
    description:
      'Resume after this cursor: first every transition committed since (from the log), then live ones; none is missed or repeated.',
  })
  after?: string | null;
}

/** The live stream of stage transitions, registered at start-up (see server/services.ts). */
export const TRANSITION_STREAM = streamKey<LogStream<StreamedTransition>>('stageTransitions');

@Resolver(() => StageTransition)
export class LifecycleResolver {
  constructor(
    private readonly models: LifecycleModelService,
    private readonly lifecycle: LifecycleService,
    private readonly customers: CustomerService,
  ) {}

  @Authorized(Scope.READ)
  @Query(() => LifecycleModelType, { description: 'The active lifecycle model.' })
  lifecycleModel(): Promise<LifecycleModel> {
    return this.models.current();
  }

  @Authorized(Scope.READ)
  @Query(() => [LifecycleModelType], {
    description: 'The presets shipped with clm: classic, purchase-funnel, reach-to-loyalty, six-stage.',
  })
  lifecyclePresets(): LifecycleModel[] {
    return this.models.presets();
  }

  @Authorized(Scope.ADMIN)
  @Query(() => ModelValidation, { description: 'Checks a lifecycle model without storing it.' })
  validateLifecycleModel(
    @Arg('model', () => LifecycleModelInput, { description: 'The model to check.' }) model: LifecycleModelInput,
  ): ModelValidation {
    const issues = validateLifecycleModel(toModel(model));
    return { valid: issues.length === 0, issues };
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => LifecycleModelType, {
    description:
      'Replaces the lifecycle model, with a whole model or a preset name (exactly one). Refused when invalid or when customers hold a stage the new model lacks.',
  })
  async setLifecycleModel(
    @Ctx() context: RequestContext,
    @Arg('model', () => LifecycleModelInput, { nullable: true, description: 'The new model.' }) model?: LifecycleModelInput,
    @Arg('preset', () => String, { nullable: true, description: 'A preset name instead of a model.' }) preset?: string,
  ): Promise<LifecycleModel> {
    if (model != null && preset == null) return this.models.replace(toModel(model), context.principal.name);
    if (model == null && preset != null) return this.models.replace(this.models.preset(preset), context.principal.name);
    throw invalidInput('model', 'give exactly one of model, preset');
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => Customer, {
    description: 'Moves a customer by hand to any stage (forward, back, at-risk, churned), recording who and why.',
  })
  async moveCustomer(
    @Ctx() context: RequestContext,
    @Arg('id', () => ID, { description: 'The customer.' }) id: string,
    @Arg('to', () => String, { description: 'The stage key.' }) to: string,
    @Arg('reason', () => String, { description: 'Why; kept on the transition.' }) reason: string,
  ): Promise<Customer> {
    await this.lifecycle.moveCustomer(id, to, reason, context.principal.name);
    return this.customers.get(id);
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => SweepResult, {
    description: 'Runs the inactivity sweep now (it also runs on a schedule). `asOf` sweeps as of another time, for backfills.',
  })
  runInactivitySweep(
    @Arg('asOf', () => Date, { nullable: true, description: 'Sweep as of this time; default now.' }) asOf?: Date,
  ): Promise<SweepResult> {
    return this.lifecycle.runInactivitySweep(asOf ?? new Date());
  }

  @Authorized(Scope.READ)
  @Query(() => StageOverview, { description: 'Customers per stage now, and transitions between stages with event time in [from, to).' })
  stageOverview(
    @Arg('from', () => Date, { nullable: true, description: 'Start of the range (inclusive); open when omitted.' }) from?: Date,
    @Arg('to', () => Date, { nullable: true, description: 'End of the range (exclusive); open when omitted.' }) to?: Date,
  ): Promise<Overview> {
    return this.lifecycle.overview(from ?? null, to ?? null);
  }

  @Authorized(Scope.READ)
  @Query(() => RecentTransitions, {
    description: 'The newest stage transitions (what a live feed opens with) and the cursor to continue the stageTransitions stream from.',
  })
  recentTransitions(
    @Arg('first', () => Int, { defaultValue: 20, description: 'How many, newest first; 1 to 200.' }) first: number,
  ): Promise<RecentTransitionsResult> {
    return this.lifecycle.recentTransitions(first);
  }

  @Authorized(Scope.READ)
  @Subscription(() => StageTransitionEvent, {
    description: 'Stage transitions as they are committed, from every instance. Keep the last cursor and pass it as `after` on reconnect.',
    subscribe: ({ args, context }: SubscribeResolverData<unknown, TransitionStreamArgs, RequestContext>) => {
      const transitions = context.streams.get(TRANSITION_STREAM);
      const stages = args.stages ?? null;
      const customerId = args.customerId ?? null;
      const keep = (transition: StreamedTransition) =>
        (stages === null || stages.includes(transition.to) || (transition.from !== null && stages.includes(transition.from))) &&
        (customerId === null || transition.customerId === customerId);
      return transitions.open(keep, args.after ?? null);
    },
  })
  stageTransitions(@Root() event: StreamEvent<StreamedTransition>, @Args() _args: TransitionStreamArgs): StageTransitionEvent {
    return { cursor: event.cursor, transition: event.value };
  }

  @FieldResolver(() => Customer, { nullable: true, description: 'The customer who moved (their current record; null if deleted since).' })
  customer(
    @Root() transition: StageTransition & { customer?: Customer },
    @Ctx() context: RequestContext,
  ): Promise<Customer | null> | Customer {
    return transition.customer ?? context.scope.get(this.customers.byId).load(transition.customerId);
  }
}

@Resolver(() => Customer)
export class CustomerTransitionsResolver {
  constructor(private readonly pages: RequestScoped<TimelineLoader<StageTransition>>) {}

  @FieldResolver(() => StageTransitionConnection, { description: "The customer's stage transitions, newest first." })
  transitions(
    @Root() customer: Customer,
    @Ctx() context: RequestContext,
    @Args(() => TimelineArgs) args: TimelineArgs,
    @Info() info: GraphQLResolveInfo,
  ): Promise<TimelinePage<StageTransition>> {
    return context.scope.get(this.pages)(customer.id, {
      first: args.first,
      after: args.after ?? null,
      fields: selectedFields(info, ['edges', 'node']),
    });
  }
}

@Resolver(() => StageTransitionConnection)
export class StageTransitionConnectionResolver {
  @FieldResolver(() => Int, { description: 'How many transitions the customer has, over all pages.' })
  totalCount(@Root() page: TimelinePage<StageTransition>): Promise<number> {
    return page.countTotal();
  }
}

/** The GraphQL input, as the plain-data model (dropping GraphQL's nulls for absent optional parts; the acquired stage defaulted when absent). */
function toModel(input: LifecycleModelInput): LifecycleModel {
  const match = (when: LifecycleModelInput['rules'][number]['when']) => ({
    ...(when.types != null && { types: when.types }),
    ...(when.channels != null && { channels: when.channels }),
    ...(when.conditions != null && {
      conditions: when.conditions.map((condition) => ({
        property: condition.property,
        operator: condition.operator as LifecycleModel['rules'][number]['when']['conditions'] extends Array<infer C> | undefined
          ? C extends { operator: infer O }
            ? O
            : never
          : never,
        ...(condition.value !== undefined && condition.value !== null && { value: condition.value }),
      })),
    }),
    ...(when.minCount != null && { minCount: when.minCount }),
  });
  return withAcquiredStage({
    name: input.name,
    description: input.description,
    stages: input.stages.map((stage) => ({ key: stage.key, name: stage.name, description: stage.description })),
    acquiredStage: input.acquiredStage ?? null,
    rules: input.rules.map((rule) => ({
      id: rule.id,
      description: rule.description,
      to: rule.to,
      when: match(rule.when),
      ...(rule.from != null && { from: rule.from }),
    })),
    inactivity: { ...input.inactivity },
    winBack: { when: match(input.winBack.when), to: input.winBack.to ?? null },
  });
}
