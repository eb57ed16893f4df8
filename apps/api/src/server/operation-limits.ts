import {
  getNamedType,
  GraphQLError,
  isInputObjectType,
  isInputType,
  isListType,
  isNonNullType,
  Kind,
  parse,
  specifiedRules,
  typeFromAST,
  validate,
  valueFromASTUntyped,
} from 'graphql';
import type {
  ASTVisitor,
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLField,
  GraphQLInputType,
  GraphQLNamedType,
  GraphQLObjectType,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionSetNode,
  ValidationContext,
  ValidationRule,
  ValueNode,
} from 'graphql';
import type { OperationLimits } from '../config';
import '../core/field-cost';
import { nestsDeeperThan } from '../core/ids';
import { costLimitExceeded } from './limits.errors';
import type { PricedField } from './limits.errors';

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
 * The cost of an operation: each field costs 1, and the children of a
 * connection field (`…Connection`) count once per requested item (`first` or
 * `last` as sent, by literal, variable or the variable's default; else the
 * argument's schema default; else 50). A field with a price (a `cost`
 * extension: see core/field-cost.ts) costs its price instead of 1, from its
 * arguments and what is selected below it, so aliases add it up once each.
 * Computed from the document and the raw variables, so a large batch of
 * input is not coerced twice.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  variables: Record<string, unknown>,
): number {
  return operationCosts(schema, document, operationName, variables).total;
}

/** An operation's cost, and the fields with a price in it: an operation with any is expensive. */
export type OperationCosts = { total: number; priced: PricedField[] };

/** `operationCost` with the priced fields it found (by alias or name, each with its price). */
export function operationCosts(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  variables: Record<string, unknown>,
): OperationCosts {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    else if (definition.kind === Kind.OPERATION_DEFINITION && (operationName === undefined || definition.name?.value === operationName))
      operation ??= definition;
  }
  const priced: PricedField[] = [];
  if (!operation) return { total: 0, priced };
  const root = schema.getRootType(operation.operation);
  if (!root) return { total: 0, priced };
  // A variable's value is what was sent, else its default in the operation (`$n: Int = 500`).
  const defaults = new Map(
    (operation.variableDefinitions ?? []).map((definition) => [definition.variable.name.value, definition.defaultValue]),
  );
  const variableValues: Record<string, unknown> = {};
  for (const [name, node] of defaults) if (node !== undefined) variableValues[name] = valueFromASTUntyped(node);
  Object.assign(variableValues, variables);
  const argumentValue = (node: ValueNode | undefined): unknown => {
    if (node === undefined) return undefined;
    if (node.kind === Kind.INT) return Number(node.value);
    if (node.kind !== Kind.VARIABLE) return undefined;
    const name = node.name.value;
    return name in variables ? variables[name] : argumentValue(defaults.get(name));
  };
  /** Items a connection field asks for: `first` or `last` as sent, else the argument's own default, else 50. */
  const pageSize = (selection: FieldNode, field: GraphQLField<unknown, unknown>): number => {
    for (const name of ['first', 'last']) {
      const sent = argumentValue(selection.arguments?.find((candidate) => candidate.name.value === name)?.value);
      const value = sent ?? field.args.find((argument) => argument.name === name)?.defaultValue;
      if (typeof value === 'number') return Math.max(value, 1);
    }
    return 50;
  };
  /** Every argument of a priced field as sent (variables resolved, untyped), else its schema default. */
  const argumentsOf = (selection: FieldNode, field: GraphQLField<unknown, unknown>): Record<string, unknown> => {
    const values: Record<string, unknown> = {};
    for (const argument of field.args) {
      const node = selection.arguments?.find((candidate) => candidate.name.value === argument.name);
      values[argument.name] = (node === undefined ? undefined : valueFromASTUntyped(node.value, variableValues)) ?? argument.defaultValue;
    }
    return values;
  };
  /** The names of the fields selected directly in `selectionSet`, through fragments, once per alias. */
  const fieldNames = (selectionSet: SelectionSetNode | undefined, seen: ReadonlySet<string>): string[] => {
    const names: string[] = [];
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) names.push(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) names.push(...fieldNames(selection.selectionSet, seen));
      else {
        const fragment = fragments.get(selection.name.value);
        if (fragment && !seen.has(fragment.name.value))
          names.push(...fieldNames(fragment.selectionSet, new Set([...seen, fragment.name.value])));
      }
    }
    return names;
  };
  const costOf = (selectionSet: SelectionSetNode | undefined, parent: GraphQLNamedType, seen: ReadonlySet<string>): number => {
    if (!selectionSet || !('getFields' in parent)) return 0;
    const fields = (parent as GraphQLObjectType).getFields();
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const field = fields[selection.name.value];
        if (!field) continue;
        const type = getNamedType(field.type);
        const children = costOf(selection.selectionSet, type, seen);
        const price = field.extensions.cost;
        const own =
          price === undefined
            ? 0
            : Math.ceil(price({ args: argumentsOf(selection, field), selections: fieldNames(selection.selectionSet, seen) }));
        const below = type.name.endsWith('Connection') ? pageSize(selection, field) * children : children;
        if (own > 0) {
          priced.push({ field: selection.alias?.value ?? selection.name.value, price: own });
          cost += own + below;
        } else {
          cost += 1 + below;
        }
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        cost += costOf(selection.selectionSet, type ?? parent, seen);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || seen.has(fragment.name.value)) continue;
        const type = schema.getType(fragment.typeCondition.name.value) ?? parent;
        cost += costOf(fragment.selectionSet, type, new Set([...seen, fragment.name.value]));
      }
    }
    return cost;
  };
  return { total: costOf(operation.selectionSet, root, new Set()), priced };
}

/**
 * The refusal of an operation costing more than the limit (null when it
 * does not): COST_LIMIT_EXCEEDED, HTTP 400, naming the cost, the limit and
 * the costliest priced fields; clients see `cost` and `limit` in its
 * extensions.
 */
export function costError(
  cost: number,
  limits: OperationLimits,
  priced: readonly PricedField[] = [],
  /** The calling key's own limit (api_keys.max_cost), when an admin set one: it replaces `limits.maxCost`. */
  keyMaxCost: number | null = null,
): GraphQLError | null {
  const limit = keyMaxCost ?? limits.maxCost;
  if (cost <= limit) return null;
  const refusal = costLimitExceeded(cost, limit, priced);
  return new GraphQLError(refusal.message, {
    originalError: refusal,
    extensions: { code: refusal.code, cost, limit, http: { status: 400 } },
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
          context.reportError(
            new GraphQLError(`query depth ${depth} exceeds the limit of ${maxDepth}`, {
              nodes: [node],
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
            }),
          );
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
            context.reportError(
              new GraphQLError(`${aliases} aliases exceed the limit of ${maxAliases}`, {
                nodes: [node],
                extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
              }),
            );
          }
        },
      },
    };
  };
}

/**
 * How deep typed input may nest in an operation's variables: input objects
 * and lists, counted through the schema's input types (a JSON scalar's
 * contents are not typed input and are checked by the services). The deepest
 * segment rule allowed needs about 50 levels; graphql-js coerces typed input
 * recursively and overflows the stack near 5,000.
 */
export const MAX_VARIABLES_DEPTH = 128;

/**
 * An error when typed input in `variables` nests deeper than
 * MAX_VARIABLES_DEPTH, or null. Cheap for ordinary requests: the typed walk
 * runs only when the raw JSON is deeper than the limit at all.
 */
export function variablesDepthError(schema: GraphQLSchema, query: unknown, variables: unknown): GraphQLError | null {
  if (variables === null || typeof variables !== 'object' || !nestsDeeperThan(variables, MAX_VARIABLES_DEPTH)) return null;
  if (typeof query !== 'string') return null;
  let document: DocumentNode;
  try {
    document = parse(query, { noLocation: true });
  } catch {
    return null; // GraphQL reports the parse error itself.
  }
  const values = variables as Record<string, unknown>;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const variable of definition.variableDefinitions ?? []) {
      const type = typeFromAST(schema, variable.type);
      if (type && isInputType(type) && typedDepthExceeds(values[variable.variable.name.value], type, MAX_VARIABLES_DEPTH)) {
        return new GraphQLError(`variables.${variable.variable.name.value}: nested deeper than ${MAX_VARIABLES_DEPTH} levels`, {
          extensions: { code: 'BAD_USER_INPUT' },
        });
      }
    }
  }
  return null;
}

/** Whether `value`, read as `type`, nests input objects and lists deeper than `max` (iterative: no recursion to overflow). */
function typedDepthExceeds(value: unknown, type: GraphQLInputType, max: number): boolean {
  const pending: Array<[unknown, GraphQLInputType, number]> = [[value, type, 0]];
  for (let entry = pending.pop(); entry !== undefined; entry = pending.pop()) {
    const [next, nextType, depth] = entry;
    const unwrapped = isNonNullType(nextType) ? nextType.ofType : nextType;
    if (next === null || typeof next !== 'object') continue;
    if (isListType(unwrapped)) {
      if (depth >= max) return true;
      for (const item of Array.isArray(next) ? next : [next]) pending.push([item, unwrapped.ofType, depth + 1]);
    } else if (isInputObjectType(unwrapped)) {
      if (depth >= max) return true;
      const fields = unwrapped.getFields();
      for (const [key, child] of Object.entries(next)) {
        const field = fields[key];
        if (field) pending.push([child, field.type, depth + 1]);
      }
    }
  }
  return false;
}
