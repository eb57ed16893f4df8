import type { ApolloServerOptionsWithGateway } from '@apollo/server';
import { execute, GraphQLError, Kind } from 'graphql';
import type { DocumentNode, ExecutionResult, GraphQLSchema, OperationDefinitionNode, SelectionSetNode, TypeNode } from 'graphql';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import type { CompiledQuery } from 'graphql-jit';
import { ClmError } from '../core/errors';
import type { RequestContext } from '../core/request-context';
import { DatabaseError } from '../database/database.errors';
import { retryLater } from './error-mapping';

/*
 * Hot reads run as JavaScript compiled for their document by graphql-jit:
 * graphql-js interprets each field of each row (a resolve info, a path and a
 * completion step per field: a page of 20 customers with 5 touchpoints each
 * is about a thousand of them), the compiled function reads the plain
 * fields as properties and calls only the resolvers.
 *
 * What is compiled (the class; docs/architecture.md → Reads): queries over
 * HTTP whose root fields are the customers connection and one customer, with
 * variables of the types those take (isCompilable below). Mutations (a rerun
 * would write twice), other root fields and operations over WebSocket run on
 * graphql-js. Everything before execution is Apollo's, unchanged: parsing
 * with the token limit, validation with the depth and alias rules, the cost
 * plugin and the work-kind plugin.
 *
 * Same answers: type-graphql gives every field of a type that is not marked
 * `simpleResolvers` a resolver, and the types so marked are plain data
 * (mapped rows, pages, edges), which the compiled code reads as graphql-js's
 * default resolver would. Errors are where the two differ: graphql-jit words
 * the ones it finds itself (variables that do not coerce, a null in a
 * non-null field) its own way, and when two failures null the same parent
 * it may list another one of them than graphql-js. So a compiled run that
 * reports any error is run again on graphql-js and that answer is sent
 * (the operation is a query: running it twice changes nothing, and the
 * request's loaders answer the second run from what the first one read);
 * except when an error is the database's time limit or unavailability,
 * which a second run would only make the client wait for twice (which
 * fields time out is a matter of timing on either executor).
 */

/** Compiled operations of one validated document, by operation name ('' for the only one). */
type CompiledOperations = Map<string, CompiledQuery | null>;

type Execution = {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  operationName: string | null;
  variables: Record<string, unknown> | undefined;
  context: RequestContext;
};

/** Which executor runs an operation: the policy below, graphql-js, or compiled at once (with the same reruns; the tests compare them). */
export type ExecutionPath = 'auto' | 'general' | 'compiled';

/**
 * Executes operations, compiled when they are in the class above and their
 * document is hot: a document is compiled the second time it runs (compiling
 * Q1's document took about as long as validating it, which a text sent once
 * would never earn back). Counts what each path served.
 */
export class CompiledExecution {
  /**
   * Apollo keeps each validated document in its document store (an LRU by
   * the text's hash) and hands the same DocumentNode to every request with
   * that text; a compiled operation lives as long as its document.
   */
  private readonly compiled = new WeakMap<DocumentNode, CompiledOperations>();
  readonly served = { compiled: 0, general: 0, rerun: 0 };

  constructor(private readonly schema: GraphQLSchema) {}

  async execute(execution: Execution, path: ExecutionPath = 'auto'): Promise<ExecutionResult> {
    const compiled = path === 'general' ? null : this.compiledOf(execution, path === 'compiled');
    if (compiled === null) {
      if (path === 'compiled') throw new Error('this operation is not in the class of compiled operations');
      this.served.general += 1;
      return this.general(execution);
    }
    const result = await compiled.query(undefined, execution.context, execution.variables ?? {});
    if (!result.errors || result.errors.some(isWaitError)) {
      this.served.compiled += 1;
      return result.errors ? { ...result, errors: result.errors.map(asGraphQLJsError) } : result;
    }
    this.served.rerun += 1;
    return this.general(execution);
  }

  /** The graphql-js execution Apollo would run itself. */
  private async general({ document, operationName, variables, context }: Execution): Promise<ExecutionResult> {
    return execute({
      schema: this.schema,
      document,
      operationName: operationName ?? undefined,
      variableValues: variables,
      contextValue: context,
    });
  }

  /** The compiled operation, compiled now if `now` or if its document ran before; null outside the class. */
  private compiledOf({ document, operation, operationName }: Execution, now: boolean): CompiledQuery | null {
    if (!isCompilable(operation)) return null;
    let operations = this.compiled.get(document);
    if (!operations) {
      operations = new Map();
      this.compiled.set(document, operations);
      if (!now) return null;
    }
    const key = operationName ?? '';
    if (!operations.has(key)) {
      const compiled = compileQuery(this.schema, document, operationName ?? undefined, { disablingCapturingStackErrors: true });
      // A document graphql-jit refuses (what it does not support) runs on graphql-js.
      operations.set(key, isCompiledQuery(compiled) ? compiled : null);
    }
    return operations.get(key) ?? null;
  }
}

/**
 * Whether an error says the database ran out of time or cannot answer now:
 * running the query again would only make the client wait as long again
 * for the same refusal.
 */
function isWaitError(error: GraphQLError): boolean {
  const original = error.originalError;
  return (original instanceof ClmError && original.code === DatabaseError.QUERY_TIMEOUT) || retryLater(original);
}

/**
 * graphql-jit's error as graphql-js makes it: jit's own class inherits from
 * graphql-js's but leaves `extensions` undefined (Apollo reads its `code`)
 * and keeps the resolver's error only as `originalError`, which is what the
 * error mapping reads. graphql-js computes `locations` from AST nodes, which
 * jit no longer has; they are copied as jit computed them.
 */
function asGraphQLJsError(error: GraphQLError): GraphQLError {
  const copy = new GraphQLError(error.message, { path: error.path, originalError: error.originalError, extensions: error.extensions });
  Object.defineProperty(copy, 'locations', { value: error.locations, enumerable: error.locations !== undefined, writable: true });
  return copy;
}

/** The root fields whose operations are compiled: the customers connection and one customer, with what lies below them. */
const COMPILED_ROOT_FIELDS: ReadonlySet<string> = new Set(['customers', 'customer', '__typename']);

/**
 * Whether an operation is in the compiled class: a query whose root
 * selections are fields of COMPILED_ROOT_FIELDS (inline fragments looked
 * through) and whose variables are scalars, enums or the customers filter
 * and order inputs. graphql-jit compiles the coercion of an input type that
 * contains itself (a segment rule) by unrolling it, which took seconds.
 */
function isCompilable(operation: OperationDefinitionNode): boolean {
  return (
    operation.operation === 'query' &&
    selectsOnly(operation.selectionSet, COMPILED_ROOT_FIELDS) &&
    (operation.variableDefinitions ?? []).every((definition) => COMPILED_VARIABLE_TYPES.has(namedTypeOf(definition.type)))
  );
}

/** Variable types a compiled operation may declare. */
const COMPILED_VARIABLE_TYPES: ReadonlySet<string> = new Set([
  'ID',
  'String',
  'Int',
  'Float',
  'Boolean',
  'DateTime',
  'JSONObject',
  'CustomerFilter',
  'CustomerOrder',
  'CustomerSortField',
  'SortDirection',
]);

function namedTypeOf(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedTypeOf(type.type);
}

function selectsOnly(selectionSet: SelectionSetNode, fields: ReadonlySet<string>): boolean {
  return selectionSet.selections.every((selection) =>
    selection.kind === Kind.FIELD
      ? fields.has(selection.name.value)
      : selection.kind === Kind.INLINE_FRAGMENT && selectsOnly(selection.selectionSet, fields),
  );
}

/**
 * The schema and executor Apollo Server takes as a "gateway" (its hook for
 * an executor of one's own): a fixed schema, and `execution`'s executor.
 */
export function compiledGateway(
  schema: GraphQLSchema,
  execution: CompiledExecution,
): ApolloServerOptionsWithGateway<RequestContext>['gateway'] {
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => {};
    },
    async load() {
      return {
        executor: (request) =>
          execution.execute({
            document: request.document,
            operation: request.operation,
            operationName: request.operationName,
            variables: request.request.variables,
            context: request.context as RequestContext,
          }),
      };
    },
    async stop() {},
  };
}
