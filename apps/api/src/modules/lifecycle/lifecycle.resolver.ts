import { AT_RISK, CHURNED, OFF_PATH_STAGES } from '@clm/schema';
import type { LifecycleModel } from '@clm/schema';
import {
  Arg,
  Args,
  ArgsType,
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  ID,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';
import type { SubscribeResolverData } from 'type-graphql';
import type { RequestContext } from '../../server/context';
import { ClmError } from '../../server/errors';
import { Scope } from '../auth/api-key.entity';
import { Customer } from '../customers/customer.entity';
import { cursorAtSnapshot, encodeCursor } from '../stream/log-position';
import type { StreamedTransition } from '../stream/stream.service';
import { LifecycleModelInput, LifecycleModelType, ModelValidation } from './dto/lifecycle-model.types';
import { StageOverview, StageTransitionEvent, SweepResult } from './dto/stream.types';
import { validateLifecycleModel } from './model-validation';
import { StageTransition } from './stage-transition.entity';

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

@Resolver(() => StageTransition)
export class LifecycleResolver {
  @Authorized(Scope.READ)
  @Query(() => LifecycleModelType, { description: 'The active lifecycle model.' })
  lifecycleModel(@Ctx() context: RequestContext): Promise<LifecycleModel> {
    return context.services.models.current();
  }

  @Authorized(Scope.READ)
  @Query(() => [LifecycleModelType], {
    description: 'The presets shipped with clm: classic, purchase-funnel, reach-to-loyalty, six-stage.',
  })
  lifecyclePresets(@Ctx() context: RequestContext): LifecycleModel[] {
    return context.services.models.presets();
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
    if ((model == null) === (preset == null)) throw new ClmError('INVALID_INPUT', 'give exactly one of model, preset', { field: 'model' });
    const next = model != null ? toModel(model) : context.services.models.preset(preset as string);
    return context.services.models.replace(next, context.principal.name);
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
    await context.services.lifecycle.moveCustomer(id, to, reason, context.principal.name);
    return context.services.customers.get(id);
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => SweepResult, {
    description: 'Runs the inactivity sweep now (it also runs on a schedule). `asOf` sweeps as of another time, for backfills.',
  })
  runInactivitySweep(
    @Ctx() context: RequestContext,
    @Arg('asOf', () => Date, { nullable: true, description: 'Sweep as of this time; default now.' }) asOf?: Date,
  ): Promise<SweepResult> {
    return context.services.lifecycle.runInactivitySweep(asOf ?? new Date());
  }

  @Authorized(Scope.READ)
  @Query(() => StageOverview, { description: 'Customers per stage now, and transitions between stages with event time in [from, to).' })
  async stageOverview(
    @Ctx() context: RequestContext,
    @Arg('from', () => Date, { nullable: true, description: 'Start of the range (inclusive); open when omitted.' }) from?: Date,
    @Arg('to', () => Date, { nullable: true, description: 'End of the range (exclusive); open when omitted.' }) to?: Date,
  ): Promise<StageOverview> {
    const model = await context.services.models.current();
    const [{ counts, snapshot }, transitions] = await Promise.all([
      context.services.lifecycle.stageCounts(),
      context.services.lifecycle.transitionCounts(from ?? null, to ?? null),
    ]);
    const names = new Map([
      ...model.stages.map((stage): [string, string] => [stage.key, stage.name]),
      [AT_RISK, 'At risk'],
      [CHURNED, 'Churned'],
    ]);
    return {
      cursor: encodeCursor(cursorAtSnapshot(snapshot)),
      total: counts.reduce((sum, row) => sum + row.count, 0),
      stages: counts.map((row) => ({ ...row, name: names.get(row.stage) ?? row.stage, offPath: OFF_PATH_STAGES.includes(row.stage) })),
      transitions,
    };
  }

  @Authorized(Scope.READ)
  @Subscription(() => StageTransitionEvent, {
    description: 'Stage transitions as they are committed, from every instance. Keep the last cursor and pass it as `after` on reconnect.',
    subscribe: ({ args, context }: SubscribeResolverData<unknown, TransitionStreamArgs, RequestContext>) => {
      context.services.stream.checkCursor(args.after ?? null);
      return context.services.stream.transitions({ stages: args.stages ?? null, customerId: args.customerId ?? null }, args.after ?? null);
    },
  })
  stageTransitions(
    @Root() event: { cursor: string; value: StreamedTransition },
    @Args() _args: TransitionStreamArgs,
  ): StageTransitionEvent {
    return { cursor: event.cursor, transition: event.value };
  }

  @FieldResolver(() => Customer, { nullable: true, description: 'The customer who moved (their current record; null if deleted since).' })
  customer(
    @Root() transition: StageTransition & { customer?: Customer },
    @Ctx() context: RequestContext,
  ): Promise<Customer | null> | Customer {
    return transition.customer ?? context.loaders.customer.load(transition.customerId);
  }
}

/** The GraphQL input, as the plain-data model (dropping GraphQL's nulls for absent optional parts). */
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
  return {
    name: input.name,
    description: input.description,
    stages: input.stages.map((stage) => ({ key: stage.key, name: stage.name, description: stage.description })),
    rules: input.rules.map((rule) => ({
      id: rule.id,
      description: rule.description,
      to: rule.to,
      when: match(rule.when),
      ...(rule.from != null && { from: rule.from }),
    })),
    inactivity: { ...input.inactivity },
    winBack: { when: match(input.winBack.when), to: input.winBack.to ?? null },
  };
}
