import { field, isObject } from './json.js';

/** A GraphQL response over HTTP: `data` when there are no errors. */
export type GraphqlResult = { status: number; json: unknown };

/** An answer with `errors` or a non-2xx status. */
export class GraphqlError extends Error {
  constructor(
    message: string,
    /** Whether `data` is null: the operation failed as a whole. */
    readonly wholeRequestFailed: boolean,
  ) {
    super(message);
  }
}

/** POSTs a JSON body to a GraphQL endpoint with the key as a bearer token; throws a GraphqlError on errors. */
export async function postGraphql(url: string, key: string, body: string): Promise<unknown> {
  const { status, json } = await post(url, key, body);
  const errors = field(json, 'errors');
  if (status < 200 || status > 299 || errors !== undefined) {
    const data = field(json, 'data');
    const wholeRequestFailed = !isObject(data) || Object.values(data).every((value) => value === null);
    throw new GraphqlError(`HTTP ${status}: ${JSON.stringify(errors ?? json).slice(0, 1000)}`, wholeRequestFailed);
  }
  return field(json, 'data');
}

/** A query with variables; returns `data`. */
export function query(url: string, key: string, document: string, variables: Record<string, unknown> = {}): Promise<unknown> {
  return postGraphql(url, key, JSON.stringify({ query: document, variables }));
}

/** POSTs and parses, without judging the answer. */
export async function post(url: string, key: string, body: string): Promise<GraphqlResult> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body,
  });
  const text = await response.text();
  try {
    return { status: response.status, json: JSON.parse(text) as unknown };
  } catch {
    throw new GraphqlError(`HTTP ${response.status}: ${text.slice(0, 500)}`, true);
  }
}
