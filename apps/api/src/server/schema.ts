import type { GraphQLObjectType, GraphQLSchema } from 'graphql';
import { createPubSub } from '@graphql-yoga/subscription';
import { GraphQLDateTime } from 'graphql-scalars';
import type { ContainerType } from 'type-graphql';
import { buildSchema } from 'type-graphql';
import { ApiKeyResolver } from '../modules/auth';
import { CampaignResolver } from '../modules/campaigns';
import { CustomerConnectionResolver, CustomerResolver } from '../modules/customers';
import { MetricsResolver } from '../modules/metrics';
import { ProjectionResolver } from '../modules/projections';
import { CustomerTransitionsResolver, LifecycleResolver, StageTransitionConnectionResolver } from '../modules/lifecycle';
import { CustomerSegmentsResolver, SegmentResolver } from '../modules/segments';
import { CustomerTouchpointsResolver, TouchpointConnectionResolver, TouchpointResolver } from '../modules/touchpoints';
import { scopeChecker } from './auth-checker';

export const RESOLVERS = [
  CustomerResolver,
  CustomerConnectionResolver,
  CustomerTouchpointsResolver,
  CustomerTransitionsResolver,
  TouchpointResolver,
  TouchpointConnectionResolver,
  LifecycleResolver,
  StageTransitionConnectionResolver,
  ApiKeyResolver,
  SegmentResolver,
  CustomerSegmentsResolver,
  CampaignResolver,
  MetricsResolver,
  ProjectionResolver,
] as const;

/**
 * Builds the executable schema. Resolver instances come from `container`
 * (the composition root); without one (emitting the schema file), none is
 * needed.
 */
export async function buildClmSchema(container?: ContainerType): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: RESOLVERS,
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
