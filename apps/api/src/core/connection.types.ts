import { ArgsType, Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { ClassType } from 'type-graphql';

@ObjectType({ description: 'Relay page information.', simpleResolvers: true })
export class PageInfo {
  @Field({ description: 'More items follow the last edge.' })
  hasNextPage!: boolean;
  @Field({ description: 'More items precede the first edge.' })
  hasPreviousPage!: boolean;
  @Field(() => String, { nullable: true, description: 'Cursor of the first edge.' })
  startCursor!: string | null;
  @Field(() => String, { nullable: true, description: 'Cursor of the last edge.' })
  endCursor!: string | null;
}

/** Builds the Edge and Connection object types for one node type. */
export function connectionTypes<T extends object>(node: ClassType<T>, name: string, withTotalCount: boolean) {
  @ObjectType(`${name}Edge`, { description: `One ${name} with its cursor.`, simpleResolvers: true })
  class Edge {
    @Field({ description: 'Pass as `after` (or `before`) to continue from this edge.' })
    cursor!: string;
    @Field(() => node, { description: `The ${name}.` })
    node!: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${name} items (Relay connection).`, simpleResolvers: true })
  class Connection {
    @Field(() => [Edge], { description: 'The items of this page with their cursors.' })
    edges!: Edge[];
    @Field(() => PageInfo, { description: 'Whether more pages exist, and the cursors to reach them.' })
    pageInfo!: PageInfo;
  }

  if (withTotalCount) {
    Field(() => Int, { description: 'How many items match, over all pages.' })(Connection.prototype, 'totalCount');
  }
  return { Edge, Connection };
}

/** Sort direction for every list that can be sorted. */
export const SortDirection = { ASC: 'ASC', DESC: 'DESC' } as const;
export type SortDirection = (typeof SortDirection)[keyof typeof SortDirection];
registerEnumType(SortDirection, {
  name: 'SortDirection',
  description: 'Ascending or descending.',
  valuesConfig: { ASC: { description: 'Smallest, earliest or A first.' }, DESC: { description: 'Largest, latest or Z first.' } },
});

/** Paging arguments of a customer's timeline (touchpoints, transitions): newest first. */
@ArgsType()
export class TimelineArgs {
  @Field(() => Int, { defaultValue: 20, description: 'Page size, newest first; at most 200.' })
  first!: number;
  @Field(() => String, { nullable: true, description: 'Continue after this cursor.' })
  after?: string | null;
}
