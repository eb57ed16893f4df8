import { Arg, Authorized, Ctx, Field, ID, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../server/context';
import { ApiKey, Scope } from './api-key.entity';

@ObjectType({ description: 'A new API key with its secret. The secret is shown only this once.' })
class CreatedApiKey {
  @Field({ description: 'The full key to send as `Authorization: Bearer <key>`. Store it now; clm keeps only a hash.' })
  key!: string;
  @Field(() => ApiKey, { description: 'The key record.' })
  apiKey!: ApiKey;
}

@ObjectType({ description: 'The key making this request.' })
class Viewer {
  @Field(() => ID, { description: 'The key id.' })
  keyId!: string;
  @Field({ description: 'The key name.' })
  name!: string;
  @Field(() => [Scope], { description: 'The key scopes.' })
  scopes!: Scope[];
}

@Resolver()
export class ApiKeyResolver {
  @Query(() => Viewer, { description: 'Which key is calling, and what it may do. Any valid key may ask.' })
  viewer(@Ctx() context: RequestContext): Viewer {
    return { keyId: context.principal.keyId, name: context.principal.name, scopes: [...context.principal.scopes] };
  }

  @Authorized(Scope.ADMIN)
  @Query(() => [ApiKey], { description: 'Every API key, revoked ones included, oldest first.' })
  apiKeys(@Ctx() context: RequestContext): Promise<ApiKey[]> {
    return context.services.apiKeys.list();
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => CreatedApiKey, { description: 'Creates an API key. Its secret is in the response and never again.' })
  createApiKey(
    @Ctx() context: RequestContext,
    @Arg('name', () => String, { description: 'A name to recognise the key by.' }) name: string,
    @Arg('scopes', () => [Scope], { description: 'What the key may do.' }) scopes: Scope[],
  ): Promise<CreatedApiKey> {
    return context.services.apiKeys.create(name, scopes, context.principal.name);
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => ApiKey, { description: 'Revokes an API key; it is refused from then on.' })
  revokeApiKey(@Ctx() context: RequestContext, @Arg('id', () => ID, { description: 'The key id.' }) id: string): Promise<ApiKey> {
    return context.services.apiKeys.revoke(id);
  }
}
