import { Arg, Authorized, Mutation, Resolver } from 'type-graphql';
import { invalidInput } from '../../core/errors';
import { IngestStatus } from '../../core/ingest-outcome.types';
import { Scope } from '../../core/principal';
import { IdentifyBatchResult, IdentifyInput } from './dto/identify.types';
import { MAX_IDENTIFY_BATCH } from './identify.service';
import type { IdentifyService } from './identify.service';

@Resolver()
export class IdentifyResolver {
  constructor(private readonly service: IdentifyService) {}

  @Authorized(Scope.INGEST)
  @Mutation(() => IdentifyBatchResult, {
    description: `Tells clm who customers are (Segment identify and alias), up to ${MAX_IDENTIFY_BATCH} messages. Each item is ACCEPTED, DUPLICATE or REJECTED on its own; unknown customers are created (outside the lifecycle until their first touchpoint). The response comes after commit.`,
  })
  async identifyCustomers(
    @Arg('items', () => [IdentifyInput], { description: `The messages, at most ${MAX_IDENTIFY_BATCH}.` }) items: IdentifyInput[],
  ): Promise<IdentifyBatchResult> {
    if (items.length > MAX_IDENTIFY_BATCH) throw invalidInput('items', `at most ${MAX_IDENTIFY_BATCH} per batch, got ${items.length}`);
    const results = await this.service.identify(items, (index) => `items[${index}]`);
    const count = (status: IngestStatus) => results.filter((result) => result.status === status).length;
    return {
      accepted: count(IngestStatus.ACCEPTED),
      duplicates: count(IngestStatus.DUPLICATE),
      rejected: count(IngestStatus.REJECTED),
      results,
    };
  }
}
