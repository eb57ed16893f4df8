/*
 * Imported first by main.ts. Unless NODE_ENV says otherwise, clm runs in
 * production mode: graphql-js then skips its development-only checks, which
 * cost a type check on every value of every batch.
 */
process.env.NODE_ENV ??= 'production';
