import type { NextFunction, Request, Response } from 'express';
import type { Principal } from '../core/principal';
import { clientErrorOf } from './error-mapping';
import type { ExpensiveWork } from './expensive-work';

/**
 * Answers 429 with `Retry-After` while the calling key is rate-limited for
 * its refusals (see expensive-work.ts), before the request's body is read or
 * parsed: a client that ignores `Retry-After` costs the instance next to
 * nothing. Runs after the key check, which leaves the principal in
 * `response.locals`.
 */
export function refuseRateLimitedKeys(expensiveWork: ExpensiveWork) {
  return (_request: Request, response: Response, next: NextFunction) => {
    const { principal } = response.locals as { principal?: Principal };
    const refusal = principal ? expensiveWork.rateLimited(principal.keyId) : null;
    if (!refusal) return next();
    const retryAfter = Number(refusal.details.retryAfter);
    response
      .status(clientErrorOf(refusal).httpStatus)
      .setHeader('retry-after', String(retryAfter))
      .json({ errors: [{ message: refusal.message, extensions: { code: refusal.code, retryAfter } }] });
  };
}
