import type { GraphQLObjectType, GraphQLSchema } from 'graphql';
import { createPubSub } from '@graphql-yoga/subscription';
import { GraphQLDateTime } from 'graphql-scalars';
import type { ContainerType } from 'type-graphql';
import { buildSchema } from 'type-graphql';
import { MODULE_RESOLVERS } from '../modules/manifest';
import { scopeChecker } from './auth-checker';

/**
 * Builds the executable schema. Resolver instances come from `container`
 * (the composition root); without one (emitting the schema file), none is
 * needed.
 */
export async function buildClmSchema(container?: ContainerType): Promise<GraphQLSchema> {
  // Every module's resolvers, as the module manifest lists them.
  const [first, ...others] = MODULE_RESOLVERS;
  if (first === undefined) throw new Error('modules/manifest.ts lists no resolvers');
  const schema = await buildSchema({
    resolvers: [first, ...others],
    container,
    authChecker: scopeChecker,
    // Dates are the conventional `DateTime` scalar (ISO 8601 strings).
    scalarsMap: [{ type: Date, scalar: GraphQLDateTime }],
    // Inputs are validated by the services, which name the item and field.
    validate: false,
    // Our subscriptions bring their own `subscribe` (the log tailers); type-graphql still insists on a PubSub.
    pubSub: createPubSub(),
  });
  describeRootType(
    schema.getQueryType(),
    'Reads: customers, the lifecycle model, the stage overview, API keys. Needs the read scope unless noted.',
  );
  describeRootType(
    schema.getMutationType(),
    'Writes: touchpoints and customers (ingest scope), lifecycle model, manual moves, sweeps and keys (admin scope).',
  );
  describeRootType(schema.getSubscriptionType(), 'Live streams over WebSocket (graphql-transport-ws on /graphql). Needs the read scope.');
  return schema;
}

function describeRootType(type: GraphQLObjectType | null | undefined, description: string): void {
  if (type) type.description = description;
}
