import { Arg, Authorized, Ctx, Field, ID, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { Scope } from '../../core/principal';
import type { RequestContext } from '../../core/request-context';
import { ApiKey } from './api-key.type';
import type { ApiKeyService } from './api-key.service';

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
  constructor(private readonly keys: ApiKeyService) {}

  @Query(() => Viewer, { description: 'Which key is calling, and what it may do. Any valid key may ask.' })
  viewer(@Ctx() context: RequestContext): Viewer {
    return { keyId: context.principal.keyId, name: context.principal.name, scopes: [...context.principal.scopes] };
  }

  @Authorized(Scope.ADMIN)
  @Query(() => [ApiKey], { description: 'Every API key, revoked ones included, oldest first.' })
  apiKeys(): Promise<ApiKey[]> {
    return this.keys.list();
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => CreatedApiKey, { description: 'Creates an API key. Its secret is in the response and never again.' })
  createApiKey(
    @Ctx() context: RequestContext,
    @Arg('name', () => String, { description: 'A name to recognise the key by.' }) name: string,
    @Arg('scopes', () => [Scope], { description: 'What the key may do.' }) scopes: Scope[],
    @Arg('maxCost', () => Int, {
      nullable: true,
      description: "The key's own cost limit (1 to 2147483647); absent or null: the server's (CLM_MAX_COST).",
    })
    maxCost: number | null | undefined,
  ): Promise<CreatedApiKey> {
    return this.keys.create(name, scopes, context.principal.name, { maxCost: maxCost ?? null });
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => ApiKey, {
    description:
      "Sets an API key's own cost limit: its operations costing more are refused with COST_LIMIT_EXCEEDED. Null: the server's limit (CLM_MAX_COST).",
  })
  setApiKeyCostLimit(
    @Arg('id', () => ID, { description: 'The key id.' }) id: string,
    @Arg('maxCost', () => Int, { nullable: true, description: "The limit (1 to 2147483647), or null for the server's." })
    maxCost: number | null,
  ): Promise<ApiKey> {
    return this.keys.setCostLimit(id, maxCost);
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => ApiKey, {
    description:
      'Revokes an API key; it is refused from then on. The last active admin key cannot be revoked (LAST_ADMIN_KEY): create another first.',
  })
  revokeApiKey(@Arg('id', () => ID, { description: 'The key id.' }) id: string): Promise<ApiKey> {
    return this.keys.revoke(id);
  }
}
