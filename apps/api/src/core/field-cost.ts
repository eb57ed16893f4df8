/**
 * What a priced field's cost function sees: its arguments as sent (literals
 * and variables resolved, defaults applied, not yet coerced or validated, so
 * anything may be there), and the names of the fields selected directly below
 * it (fragments expanded, an aliased field once per alias).
 */
export type FieldCostInput = { args: Readonly<Record<string, unknown>>; selections: readonly string[] };

/**
 * The price of one field in operation-cost units, for the database work it
 * makes: it replaces the field's own 1 (what is selected below it is added as
 * usual, times the page size for a connection). A field with a price is
 * *expensive*: an operation holding one runs under the per-key and
 * per-instance concurrency limits. A cost function is pure, total (any input
 * gives a finite number ≥ 0) and linear in the size of its input; 0 means the
 * field is not priced with these arguments (an ordinary field then).
 */
export type FieldCost = (input: FieldCostInput) => number;

/** An argument value that is an input object (as sent, so anything may be there). */
export function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

declare module 'graphql' {
  // graphql-js's documented way to type a field's extensions; type-graphql's @Extensions({ cost }) sets it.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- a merged declaration repeats graphql-js's type parameters
  interface GraphQLFieldExtensions<_TSource, _TContext, _TArgs> {
    cost?: FieldCost;
  }
}
