import { Field, ObjectType, registerEnumType } from 'type-graphql';

/*
 * What became of one item of a batch, shared by the ingest entry points
 * (touchpoints and identify), so a client reads every batch result the same
 * way.
 */

export enum IngestStatus {
  ACCEPTED = 'ACCEPTED',
  DUPLICATE = 'DUPLICATE',
  REJECTED = 'REJECTED',
}

registerEnumType(IngestStatus, {
  name: 'IngestStatus',
  description: 'What became of one submitted item (a touchpoint, an identify message).',
  valuesConfig: {
    ACCEPTED: { description: 'Stored now (and committed before the response was sent).' },
    DUPLICATE: { description: 'An item with this messageId was stored before; nothing changed.' },
    REJECTED: { description: 'Not stored; `error` says which field is wrong.' },
  },
});

@ObjectType({ description: 'A problem with one submitted item.' })
export class ItemError {
  @Field({ description: 'The offending field, e.g. `touchpoints[3].occurredAt`.' })
  field!: string;
  @Field({ description: 'What is wrong, naming the item and field.' })
  message!: string;
}
