import express, { Router } from 'express';
import type { NextFunction, Request, Response } from 'express';
import { ClmError } from '../core/errors';
import { nestsDeeperThan } from '../core/ids';
import { hasScope, Scope } from '../core/principal';
import type { Principal } from '../core/principal';
import { DatabaseError } from '../database/database.errors';
import { WorkScope } from '../database/db';
import { MAX_BATCH_EVENTS, MAX_EVENT_BYTES, MAX_REQUEST_BYTES } from '../modules/tracking';
import type { MessageType, TrackingOutcome } from '../modules/tracking';
import { bearerToken } from './context';
import { clientErrorOf, GENERIC_MESSAGE, retryLater } from './error-mapping';
import type { IngestGate } from './ingest-gate';
import type { Logger } from './logger';
import type { Services } from './services';
import { requestWorkScope } from './work-scope';
import type { WorkLocals } from './work-scope';

/*
 * The Segment-compatible HTTP Tracking API under /v1: the single-message
 * routes (identify, track, page, screen, group, alias) and the batch routes
 * (batch, and import, where older libraries post), each also under the
 * one-letter path analytics.js uses (`/v1/t`, `/v1/b`). Thin: the body is read
 * within Segment's limits, the write key checked, a place taken at the gate,
 * and the messages handed to the tracking module, whose per-message outcome
 * is the answer. Nothing a client sends is answered with a 5xx: a 5xx means
 * clm could not store what it was sent (the database), and the client's
 * retry loses nothing.
 */

export const SEGMENT_V1_PATH = '/v1';

const SINGLE_ROUTES: ReadonlySet<string> = new Set<MessageType>(['identify', 'track', 'page', 'screen', 'group', 'alias']);
const BATCH_ROUTES: ReadonlySet<string> = new Set(['batch', 'import']);
/** The one-letter paths analytics.js posts to (`/v1/t`, and `/v1/b` when it batches), as Segment's API accepts them. */
const SHORT_ROUTES: ReadonlyMap<string, string> = new Map([
  ['i', 'identify'],
  ['t', 'track'],
  ['p', 'page'],
  ['s', 'screen'],
  ['g', 'group'],
  ['a', 'alias'],
  ['b', 'batch'],
]);

type Locals = WorkLocals & { requestId: string; principal?: Principal };

/** An answer other than 200: its status, a code and a sentence, and for a limit which one. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** A request or event over Segment's size limit (`field`: where, for the admin's list of rejections). */
function tooLarge(what: 'request' | 'event', field: string): Refusal {
  const [size, bytes, send] =
    what === 'request' ? ['500 KB', MAX_REQUEST_BYTES, 'smaller batches'] : ['32 KB', MAX_EVENT_BYTES, 'smaller events'];
  return new Refusal(
    400,
    'LIMIT_EXCEEDED',
    `the ${what} is larger than ${size} (${bytes} bytes), Segment's limit per ${what}; send ${send}`,
    {
      limit: what,
      maxBytes: bytes,
      field,
    },
  );
}

/** The /v1 router: CORS (only here), the body within limits, the write key, the gate, then the tracking module. */
export function segmentV1Router(options: { services: Services; logger: Logger; gate: IngestGate }): Router {
  const { services, logger, gate } = options;
  const router = Router();
  router.use(cors);
  router.use(requestWorkScope('ingest'));
  router.post('/:route', readBody, async (request: Request, response: Response, next: NextFunction) => {
    const route = SHORT_ROUTES.get(String(request.params.route)) ?? String(request.params.route);
    let release: (() => void) | null = null;
    try {
      if (!SINGLE_ROUTES.has(route) && !BATCH_ROUTES.has(route)) throw notFound(request);
      const body = parseBody(request.body as Buffer);
      const principal = await authenticateWriteKey(services, request.headers.authorization, body);
      (response.locals as Locals).principal = principal;
      // Every statement of the request runs as ingest work, cancelled if the client leaves.
      const { tracking } = services.scoped(services.db.inScope((response.locals as Locals).work ?? new WorkScope('ingest')));
      const receivedAt = new Date();
      const facts = { route: `${SEGMENT_V1_PATH}/${route}`, keyName: principal.name, receivedAt };
      let messages: unknown[];
      try {
        messages = messagesOf(route, body);
      } catch (refusal) {
        if (refusal instanceof Refusal) await tracking.refused(facts, refusal.details.field as string, refusal.message);
        throw refusal;
      }
      release = gate.tryEnter();
      if (release === null)
        throw new Refusal(429, 'TOO_MANY_REQUESTS', 'clm is taking in as much as it can right now; retry after the delay in Retry-After', {
          retryAfter: gate.retryAfterSeconds,
        });
      const outcome = await tracking.receive({
        ...facts,
        messages,
        routeType: SINGLE_ROUTES.has(route) ? (route as MessageType) : null,
        path: SINGLE_ROUTES.has(route) ? () => '' : (index) => `batch[${index}]`,
        batchSentAt: BATCH_ROUTES.has(route) && isObject(body) ? body.sentAt : undefined,
      });
      response.status(200).json(answer(outcome));
    } catch (error) {
      next(error);
    } finally {
      release?.();
    }
  });
  router.use((request: Request, _response: Response, next: NextFunction) => next(notFound(request)));
  router.use(v1Errors(logger));
  return router;
}

/** The 200 answer: Segment's `success`, then what clm adds: counts and every rejected message with its reason. */
function answer(outcome: TrackingOutcome) {
  return {
    success: true,
    accepted: outcome.accepted,
    duplicates: outcome.duplicates,
    rejected: outcome.rejected.map(({ index, messageId, type, field, reason }) => ({ index, messageId, type, field, reason })),
  };
}

/** Browsers post from the site's own origin (analytics.js); these routes, and only these, allow any origin. */
function cors(request: Request, response: Response, next: NextFunction): void {
  response.setHeader('access-control-allow-origin', '*');
  response.setHeader('access-control-allow-methods', 'POST, OPTIONS');
  response.setHeader('access-control-allow-headers', 'Authorization, Content-Type, Content-Encoding');
  response.setHeader('access-control-max-age', '86400');
  response.setHeader('access-control-expose-headers', 'Retry-After, X-Request-Id');
  if (request.method === 'OPTIONS') {
    response.status(204).end();
    return;
  }
  next();
}

/**
 * The raw body, whatever its content type (analytics.js sends JSON as
 * text/plain to avoid a preflight), gzip or deflate undone, at most 500 KB.
 */
const rawBody = express.raw({ type: () => true, limit: MAX_REQUEST_BYTES, inflate: true });

function readBody(request: Request, response: Response, next: NextFunction): void {
  rawBody(request, response, (error?: unknown) => {
    if (error === undefined || error === null) return next();
    const type = typeof error === 'object' && 'type' in error ? String(error.type) : '';
    if (type === 'entity.too.large') return next(tooLarge('request', ''));
    if (type === 'encoding.unsupported')
      return next(new Refusal(415, 'UNSUPPORTED_ENCODING', 'Content-Encoding must be gzip, deflate or identity'));
    if (type === 'charset.unsupported') return next(new Refusal(415, 'UNSUPPORTED_CHARSET', 'the body must be UTF-8'));
    if (type === 'request.aborted') return next(new ClmError(DatabaseError.REQUEST_CANCELLED, 'the client left'));
    // A body that is not valid gzip or deflate, or that ended early.
    return next(new Refusal(400, 'BAD_REQUEST', 'the request body could not be read (not valid gzip/deflate, or cut short)'));
  });
}

/** A batch (1 level) of messages (each at most MAX_JSON_DEPTH + 2 levels, checked per message) fits well inside. */
const MAX_BODY_DEPTH = 64;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseBody(raw: unknown): unknown {
  if (!Buffer.isBuffer(raw) || raw.length === 0) throw new Refusal(400, 'BAD_REQUEST', 'the request body is empty; send a JSON object');
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new Refusal(400, 'BAD_REQUEST', 'the request body is not valid UTF-8');
  }
  let body: unknown;
  try {
    body = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as unknown;
  } catch {
    throw new Refusal(400, 'BAD_REQUEST', 'the request body is not valid JSON');
  }
  // Checked without recursion before anything recursive (JSON.stringify, hashing) touches the body.
  if (nestsDeeperThan(body, MAX_BODY_DEPTH))
    throw new Refusal(400, 'LIMIT_EXCEEDED', `the request body nests deeper than ${MAX_BODY_DEPTH} levels`, {
      limit: 'depth',
      maxDepth: MAX_BODY_DEPTH,
    });
  return body;
}

/**
 * The write key: the HTTP Basic user (empty password), a Bearer token, or
 * `writeKey` in the body (analytics.js). 401 without a valid key, 403 for a
 * key without the ingest scope.
 */
async function authenticateWriteKey(services: Services, authorization: unknown, body: unknown): Promise<Principal> {
  const key =
    basicUser(authorization) ?? bearerToken(authorization) ?? (isObject(body) && typeof body.writeKey === 'string' ? body.writeKey : null);
  if (key === null || key === '')
    throw new Refusal(
      401,
      'UNAUTHENTICATED',
      'missing write key: send it as the HTTP Basic user (empty password) or as writeKey in the body',
    );
  const principal = await services.apiKeys.verify(key);
  if (principal === null) throw new Refusal(401, 'UNAUTHENTICATED', 'invalid or revoked write key');
  if (!hasScope(principal, Scope.INGEST)) throw new Refusal(403, 'FORBIDDEN', 'this API key lacks the ingest scope that /v1 needs');
  return principal;
}

function basicUser(authorization: unknown): string | null {
  if (typeof authorization !== 'string') return null;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization.trim());
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? decoded : decoded.slice(0, colon);
}

/** The messages of a request: the body itself on a single route, its `batch` on the batch routes, within the limits. */
function messagesOf(route: string, body: unknown): unknown[] {
  if (!isObject(body)) throw new Refusal(400, 'BAD_REQUEST', 'the request body must be a JSON object', { field: '' });
  if (SINGLE_ROUTES.has(route)) {
    const bytes = Buffer.byteLength(JSON.stringify(body));
    if (bytes > MAX_EVENT_BYTES) throw tooLarge('event', '');
    return [body];
  }
  const batch = body.batch;
  if (!Array.isArray(batch)) throw new Refusal(400, 'BAD_REQUEST', 'batch must be an array of messages', { field: 'batch' });
  if (batch.length > MAX_BATCH_EVENTS)
    throw new Refusal(400, 'LIMIT_EXCEEDED', `batch has ${batch.length} messages; the limit is ${MAX_BATCH_EVENTS} per batch`, {
      limit: 'batch',
      maxEvents: MAX_BATCH_EVENTS,
      field: 'batch',
    });
  return batch;
}

function notFound(request: Request): Refusal {
  return new Refusal(404, 'NOT_FOUND', `no route ${request.method} ${request.baseUrl}${request.path}; see POST /v1/track, /v1/batch, ...`);
}

/** Errors as `{ success: false, error: { code, message, ... } }`; clm's own mapped by the one mapping, the database's as 503. */
function v1Errors(logger: Logger) {
  return (error: unknown, request: Request, response: Response, next: NextFunction) => {
    if (response.headersSent) return next(error);
    const send = (status: number, code: string, message: string, details: Record<string, unknown> = {}) => {
      if (typeof details.retryAfter === 'number') response.setHeader('retry-after', String(details.retryAfter));
      // `field` is for the admin's list of rejections; the client is told in the message.
      const shown = Object.fromEntries(Object.entries(details).filter(([key]) => key !== 'field'));
      response.status(status).json({ success: false, error: { code, message, ...shown } });
    };
    if (error instanceof Refusal) return send(error.status, error.code, error.message, error.details);
    if (error instanceof ClmError && error.code === DatabaseError.REQUEST_CANCELLED) {
      response.destroy();
      return;
    }
    if (error instanceof ClmError) {
      const client = clientErrorOf(error);
      if (client.httpStatus < 500 || client.graphqlCode !== 'INTERNAL_SERVER_ERROR')
        return send(client.httpStatus, client.graphqlCode, error.message, {
          ...error.details,
          ...(client.httpStatus === 503 ? { retryAfter: 1 } : {}),
        });
    }
    if (retryLater(error)) return send(503, 'SERVICE_UNAVAILABLE', 'the database is unavailable; retry shortly', { retryAfter: 1 });
    logger.error({ err: error, requestId: (response.locals as Locals).requestId, path: request.path }, 'unexpected error on /v1');
    send(500, 'INTERNAL_SERVER_ERROR', GENERIC_MESSAGE);
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
