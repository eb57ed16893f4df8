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
 * usual). A field with a price is *expensive*: an operation holding one runs
 * under the per-key and per-instance concurrency limits. A cost function is
 * pure, total (any input gives a finite number ≥ 1) and linear in the size of
 * its input.
 */
export type FieldCost = (input: FieldCostInput) => number;

declare module 'graphql' {
  // graphql-js's documented way to type a field's extensions; type-graphql's @Extensions({ cost }) sets it.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- a merged declaration repeats graphql-js's type parameters
  interface GraphQLFieldExtensions<_TSource, _TContext, _TArgs> {
    cost?: FieldCost;
  }
}
