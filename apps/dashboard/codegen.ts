import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for every operation of the dashboard, generated from the
 * API's schema (`npm run emit-schema -w @clm/api` writes it). Operations live
 * in `.graphql` files beside the page that runs them (or in `graphql()` calls);
 * import their `…Document` and types from `src/gql`. `npm run codegen` writes
 * src/gql/, `npm run codegen:check` (run by `typecheck` and `build`) fails when
 * it is out of date.
 */
const config: CodegenConfig = {
  schema: '../../packages/schema/schema.graphql',
  documents: ['src/**/*.graphql', 'src/**/*.{ts,tsx}', '!src/gql/**'],
  ignoreNoDocuments: true,
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        skipTypename: true,
        strictScalars: true,
        scalars: {
          DateTime: 'string',
          Decimal: 'string',
          JSON: 'unknown',
          JSONObject: 'Record<string, unknown>',
        },
      },
    },
  },
};

export default config;
