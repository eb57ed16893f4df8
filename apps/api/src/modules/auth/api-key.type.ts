import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Scope } from '../../core/principal';

/** An API key. Only a hash of the secret is stored; the prefix identifies it in lists and logs. */
@ObjectType({ description: 'An API key (the secret itself is shown only once, when created).' })
export class ApiKey {
  @Field(() => ID, { description: 'The internal id.' })
  id!: string;

  @Field(() => String, { description: 'A name to recognise the key by.' })
  name!: string;

  @Field(() => String, { description: 'The visible start of the key, `clm_xxxxxxxx`.' })
  prefix!: string;

  @Field(() => [Scope], { description: 'What the key may do.' })
  scopes!: Scope[];

  @Field(() => Date, { description: 'When the key was created.' })
  createdAt!: Date;

  @Field(() => String, { nullable: true, description: 'The name of the key that created this one.' })
  createdBy!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the key was revoked; a revoked key is refused.' })
  revokedAt!: Date | null;

  @Field(() => Int, {
    nullable: true,
    description:
      "The key's own cost limit: operations of this key costing more are refused (COST_LIMIT_EXCEEDED). Null: the server's limit (CLM_MAX_COST).",
  })
  maxCost!: number | null;
}
