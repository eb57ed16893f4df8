import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { storableDate } from '../../core/dates';
import { Scope } from '../../core/principal';
import type { RequestContext } from '../../core/request-context';
import { Customer } from '../customers';
import { CreatePlaybookInput, UpdatePlaybookInput } from './dto/playbook.types';
import type { PlaybookService } from './playbook.service';
import { Playbook, PlaybookFiring, PlaybookOutcome, PlaybookPreset } from './playbook.type';

@Resolver(() => Playbook)
export class PlaybookResolver {
  constructor(private readonly service: PlaybookService) {}

  @Authorized(Scope.READ)
  @Query(() => [Playbook], { description: 'Every playbook, by name.' })
  playbooks(): Promise<Playbook[]> {
    return this.service.list();
  }

  @Authorized(Scope.READ)
  @Query(() => Playbook, { nullable: true, description: 'One playbook; null when there is none with this id.' })
  playbook(@Arg('id', () => ID, { description: 'The playbook id.' }) id: string): Promise<Playbook | null> {
    return this.service.find(id);
  }

  @Authorized(Scope.READ)
  @Query(() => [PlaybookPreset], {
    description:
      'The ready-made playbooks (welcome, post-purchase survey, win-back, review request, stuck nudge), filled in for the current lifecycle model.',
  })
  async playbookPresets(): Promise<PlaybookPreset[]> {
    return (await this.service.presets()).map((preset) =>
      Object.assign(new PlaybookPreset(), {
        key: preset.key,
        name: preset.name,
        description: preset.description,
        trigger: preset.input.trigger,
        delayHours: preset.input.delayHours,
        cooldownDays: preset.input.cooldownDays,
        outcomeDays: preset.input.outcomeDays,
        inUse: preset.inUse,
      }),
    );
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => Playbook, {
    description: 'Creates a playbook (off unless `enabled`). Refused with every problem of an invalid one, each naming its field.',
  })
  createPlaybook(
    @Ctx() context: RequestContext,
    @Arg('input', () => CreatePlaybookInput, { description: 'The playbook.' }) input: CreatePlaybookInput,
  ): Promise<Playbook> {
    return this.service.create(input, context.principal.name);
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => Playbook, { description: 'Changes a playbook (turning it on or off included); the result is checked as a whole.' })
  updatePlaybook(
    @Ctx() context: RequestContext,
    @Arg('id', () => ID, { description: 'The playbook.' }) id: string,
    @Arg('input', () => UpdatePlaybookInput, { description: 'The changes.' }) input: UpdatePlaybookInput,
  ): Promise<Playbook> {
    return this.service.update(id, input, context.principal.name);
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => Boolean, {
    description: 'Deletes a playbook and its pending hits (its past firings stay on timelines); false when there was none.',
  })
  deletePlaybook(@Arg('id', () => ID, { description: 'The playbook.' }) id: string): Promise<boolean> {
    return this.service.delete(id);
  }

  @FieldResolver(() => PlaybookOutcome, { description: 'What it led to, against its holdout (see PlaybookOutcome).' })
  outcome(
    @Root() playbook: Playbook,
    @Ctx() context: RequestContext,
    @Arg('asOf', () => Date, { nullable: true, description: 'Measure windows ended by this time; default now.' }) asOf?: Date | null,
  ): Promise<PlaybookOutcome> {
    const at = asOf == null ? new Date() : storableDate(asOf, 'asOf');
    return context.scope.get(this.service.outcomes).load(`${at.toISOString()}|${playbook.id}`);
  }
}

@Resolver(() => Customer)
export class CustomerPlaybooksResolver {
  constructor(private readonly service: PlaybookService) {}

  @FieldResolver(() => [PlaybookFiring], { description: 'The playbooks fired for the customer, newest first (the latest 50).' })
  playbookFirings(@Root() customer: Customer, @Ctx() context: RequestContext): Promise<PlaybookFiring[]> {
    return context.scope.get(this.service.firingsOf).load(customer.id);
  }
}
