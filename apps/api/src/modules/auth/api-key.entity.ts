import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';

export enum Scope {
  INGEST = 'ingest',
  READ = 'read',
  ADMIN = 'admin',
}

registerEnumType(Scope, {
  name: 'Scope',
  description: 'What an API key may do. `admin` implies the other two.',
  valuesConfig: {
    INGEST: { description: 'Record touchpoints and create or update customers.' },
    READ: { description: 'Run queries and subscriptions.' },
    ADMIN: { description: 'Everything: lifecycle model, manual moves, sweeps, deleting customers, API keys.' },
  },
});

/** An API key. Only a hash of the secret is stored; the prefix identifies it in lists and logs. */
@ObjectType({ description: 'An API key (the secret itself is shown only once, when created).' })
@Entity({ name: 'api_keys' })
export class ApiKey {
  @Field(() => ID, { description: 'The internal id.' })
  @PrimaryColumn('uuid')
  id!: string;

  @Field(() => String, { description: 'A name to recognise the key by.' })
  @Column('text')
  name!: string;

  @Field(() => String, { description: 'The visible start of the key, `clm_xxxxxxxx`.' })
  @Column('text')
  prefix!: string;

  @Column('text', { name: 'secret_hash' })
  secretHash!: string;

  @Field(() => [Scope], { description: 'What the key may do.' })
  @Column('text', { array: true })
  scopes!: Scope[];

  @Field(() => Date, { description: 'When the key was created.' })
  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Field(() => String, { nullable: true, description: 'The name of the key that created this one.' })
  @Column('text', { name: 'created_by', nullable: true })
  createdBy!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the key was revoked; a revoked key is refused.' })
  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;
}
