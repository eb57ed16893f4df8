import type { ValueTransformer } from 'typeorm';

/** PostgreSQL returns numeric and bigint as strings to keep precision; clm's amounts and ids fit a double. */
export const numericColumn: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

/** Bigint identity columns are exposed as decimal strings (GraphQL ID). */
export const bigintIdColumn: ValueTransformer = {
  to: (value: string | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : String(value)),
};
