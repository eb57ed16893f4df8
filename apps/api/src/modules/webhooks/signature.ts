import { createHmac, randomBytes } from 'node:crypto';

/*
 * Standard Webhooks signing. Pure apart from the random bytes of a new
 * secret. A secret is `whsec_` + base64 of its key; a signature is
 * `v1,` + base64 of HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>"),
 * and the header carries one per secret in use, space-separated (during a
 * rotation, the new secret's and the old one's).
 */

/** Bytes of key in a new secret (the spec allows 24 to 64). */
export const SECRET_BYTES = 32;

/** A new signing secret. */
export function newSecret(): string {
  return `whsec_${randomBytes(SECRET_BYTES).toString('base64')}`;
}

/** The `webhook-signature` header for one attempt: a `v1,` signature for each secret, in order. */
export function signatureHeader(webhookId: string, timestampSeconds: number, body: string, secrets: readonly string[]): string {
  return secrets
    .map((secret) => {
      const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
      return `v1,${createHmac('sha256', key).update(`${webhookId}.${timestampSeconds}.${body}`).digest('base64')}`;
    })
    .join(' ');
}
