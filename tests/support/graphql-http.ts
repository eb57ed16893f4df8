/** One GraphQL error as clm sends it. */
export type GraphQLErrorBody = {
  message: string;
  locations?: Array<{ line: number; column: number }>;
  path?: Array<string | number>;
  extensions?: { code?: string } & Record<string, unknown>;
};

/** A GraphQL response body. */
export type GraphQLBody<T> = { data?: T | null; errors?: GraphQLErrorBody[] };

/** The HTTP answer to one GraphQL request. */
export type GraphQLHttpResponse<T> = { status: number; requestId: string | null; body: GraphQLBody<T> };

export type GraphQLRequestOptions = {
  variables?: Record<string, unknown>;
  /** Sent as `Authorization: Bearer <key>`; none when null. */
  key: string | null;
  /** Extra headers, e.g. x-request-id or a hand-made authorization. */
  headers?: Record<string, string>;
};

/** POSTs one operation to `url` with fetch and returns status, request id and body. */
export async function postGraphQL<T = Record<string, unknown>>(
  url: string,
  query: string,
  options: GraphQLRequestOptions,
): Promise<GraphQLHttpResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.key !== null && { authorization: `Bearer ${options.key}` }),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables: options.variables ?? {} }),
  });
  return { status: response.status, requestId: response.headers.get('x-request-id'), body: (await response.json()) as GraphQLBody<T> };
}

/** A client bound to one endpoint and key: `data()` for operations that must succeed. */
export type GraphQLHttpClient = {
  request: <T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>) => Promise<GraphQLHttpResponse<T>>;
  /** Runs the operation and returns its data; fails with the errors when there are any. */
  data: <T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>) => Promise<T>;
};

export function graphqlClient(url: string, key: string | null): GraphQLHttpClient {
  const request = <T>(query: string, variables: Record<string, unknown> = {}) => postGraphQL<T>(url, query, { variables, key });
  return {
    request,
    data: async <T>(query: string, variables: Record<string, unknown> = {}) => {
      const response = await request<T>(query, variables);
      if (response.status !== 200 || response.body.errors !== undefined || response.body.data == null) {
        throw new Error(`GraphQL request failed (HTTP ${response.status}): ${JSON.stringify(response.body.errors ?? response.body)}`);
      }
      return response.body.data;
    },
  };
}
