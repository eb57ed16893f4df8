import { GraphQLError, Kind, parse, specifiedRules, validate } from 'graphql';
import type { ASTVisitor, DocumentNode, FragmentDefinitionNode, GraphQLSchema, SelectionSetNode, ValidationContext, ValidationRule } from 'graphql';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import type { OperationLimits } from '../config';

/*
 * Bounds on every operation, applied identically to HTTP and WebSocket:
 * tokens (at parse time), depth and aliases (validation rules), and cost
 * (computed with the variables, before execution).
 */

/** Parses with a token limit, so a huge document is refused before any work is done on it. */
export function parseWithLimits(source: string, limits: OperationLimits): DocumentNode {
  return parse(source, { maxTokens: limits.maxTokens });
}

/** The validation rules: GraphQL's own plus depth and alias limits. */
export function limitRules(limits: OperationLimits): ValidationRule[] {
  return [maxDepthRule(limits.maxDepth), maxAliasesRule(limits.maxAliases)];
}

export function validateWithLimits(schema: GraphQLSchema, document: DocumentNode, limits: OperationLimits): readonly GraphQLError[] {
  return validate(schema, document, [...specifiedRules, ...limitRules(limits)]);
}

/**
 * The cost of an operation: each field costs 1, and a list field's
 * children count once per requested item (`first`/`last`, default 50).
 */
export function operationCost(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>): number {
  return getComplexity({
    schema,
    query: document,
    operationName,
    variables,
    estimators: [
      fieldExtensionsEstimator(),
      ({ args, childComplexity, field }) => {
        const isPage = field.type.toString().endsWith('Connection!') || field.type.toString().endsWith('Connection');
        if (!isPage) return undefined;
        const size = typeof args.first === 'number' ? args.first : typeof args.last === 'number' ? args.last : 50;
        return 1 + Math.max(size, 1) * childComplexity;
      },
      simpleEstimator({ defaultComplexity: 1 }),
    ],
  });
}

export function costError(cost: number, limits: OperationLimits): GraphQLError | null {
  if (cost <= limits.maxCost) return null;
  return new GraphQLError(`operation cost ${cost} exceeds the limit of ${limits.maxCost}; ask for fewer items or fields`, {
    extensions: { code: 'COST_LIMIT_EXCEEDED', cost, limit: limits.maxCost, http: { status: 400 } },
  });
}

function maxDepthRule(maxDepth: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    const depthOf = (selectionSet: SelectionSetNode | undefined, seen: Set<string>): number => {
      if (!selectionSet) return 0;
      let deepest = 0;
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) {
          if (selection.name.value.startsWith('__')) continue;
          deepest = Math.max(deepest, 1 + depthOf(selection.selectionSet, seen));
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          deepest = Math.max(deepest, depthOf(selection.selectionSet, seen));
        } else {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          if (fragment && !seen.has(name)) deepest = Math.max(deepest, depthOf(fragment.selectionSet, new Set([...seen, name])));
        }
      }
      return deepest;
    };
    return {
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet, new Set());
        if (depth > maxDepth) {
          context.reportError(new GraphQLError(`query depth ${depth} exceeds the limit of ${maxDepth}`, { nodes: [node], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
        }
      },
    };
  };
}

function maxAliasesRule(maxAliases: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    let aliases = 0;
    return {
      Field(node) {
        if (node.alias) aliases += 1;
      },
      Document: {
        leave(node) {
          if (aliases > maxAliases) {
            context.reportError(new GraphQLError(`${aliases} aliases exceed the limit of ${maxAliases}`, { nodes: [node], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
          }
        },
      },
    };
  };
}
