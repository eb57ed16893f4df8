import type { z } from 'zod';
import { textProblem } from './ids';

/*
 * The bridge from zod to clm's validation issues. Input shapes are zod
 * schemas whose messages are clm's own sentences (each check carries its
 * `error`); this turns what a failed parse reports into `{ path, message }`
 * with the path written as the caller sees it (`rule.and[2].behaviour.value`).
 */

/** One problem in an input: where it is (`rules[0].to`) and what is wrong. */
export type PathIssue = { path: string; message: string };

/** `root` followed by a zod issue path: keys after a dot, indexes in brackets. */
export function issuePath(root: string, path: readonly PropertyKey[]): string {
  let written = root;
  for (const key of path) {
    if (typeof key === 'number') written += `[${key}]`;
    else written += written === '' ? String(key) : `.${String(key)}`;
  }
  return written;
}

/** Every issue of a failed parse, in the order zod found them (the schema's field order), under `root`. */
export function pathIssues(error: z.ZodError, root: string): PathIssue[] {
  return error.issues.map((issue) => ({ path: issuePath(root, issue.path), message: issue.message }));
}

/**
 * Refuses text PostgreSQL cannot store (NUL, lone surrogates) with the
 * sentence `textProblem` gives, and stops the string's later checks.
 */
export function storable(schema: z.ZodString): z.ZodString {
  return schema.refine((text) => textProblem(text) === null, {
    error: (issue) => (typeof issue.input === 'string' ? (textProblem(issue.input) ?? undefined) : undefined),
    abort: true,
  });
}
