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

/**
 * Every issue of a failed parse, in the order zod found them (the schema's
 * field order), under `root`. A custom issue may name a place inside a JSON
 * value in `params.below`, written as `findUnstorableText` writes it
 * (`cart[1].sku`).
 */
export function pathIssues(error: z.ZodError, root: string): PathIssue[] {
  return error.issues.map((issue) => {
    const path = issuePath(root, issue.path);
    const below: unknown = issue.code === 'custom' ? issue.params?.below : undefined;
    if (typeof below !== 'string' || below === '') return { path, message: issue.message };
    return { path: below.startsWith('[') ? `${path}${below}` : `${path}.${below}`, message: issue.message };
  });
}

/**
 * Check params that run a check only while its value has no issue yet, so
 * a value is told its first problem only. Unlike `abort`, which also stops
 * every `when` refinement of the objects around the value, this stays local.
 */
export const UNLESS_FAILED = { when: (payload: z.core.ParsePayload) => payload.issues.length === 0 };

/**
 * Params for an object's refinement that runs whatever is wrong with its
 * fields (it checks those that parsed, so every problem is reported), but
 * not on a value that is no object at all.
 */
export const EVEN_IF_FIELDS_FAILED = {
  when: (payload: z.core.ParsePayload) => typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value),
};

/** Refuses text PostgreSQL cannot store (NUL, lone surrogates) with the sentence `textProblem` gives. */
export function storable(schema: z.ZodString): z.ZodString {
  return schema.refine((text) => textProblem(text) === null, {
    error: (issue) => (typeof issue.input === 'string' ? (textProblem(issue.input) ?? undefined) : undefined),
    ...UNLESS_FAILED,
  });
}
