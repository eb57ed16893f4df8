import dns from 'node:dns/promises';
import net from 'node:net';
import { invalidInput } from '../../core/errors';
import type { AddressPolicy } from './address-policy';
import { urlForbidden } from './webhook.errors';

/** Resolves a host name to every address it has (node:dns by default; tests pass their own). */
export type Resolve = (host: string) => Promise<string[]>;

export const resolveWithDns: Resolve = async (host) => (await dns.lookup(host, { all: true })).map((entry) => entry.address);

/**
 * Refuses (WEBHOOK_URL_FORBIDDEN, naming `field`) a URL whose host is, or
 * resolves to, any address the policy refuses; a host that does not resolve
 * is INVALID_INPUT. At registration only: the sender checks again at every
 * connection, against the address it connected to.
 */
export async function checkDestination(url: string, policy: AddressPolicy, resolve: Resolve, field: string): Promise<void> {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (policy.allowsHost(host)) return;
  let addresses: string[];
  if (net.isIP(host) !== 0) addresses = [host];
  else {
    try {
      addresses = await resolve(host);
    } catch (error) {
      const code = error instanceof Error && 'code' in error ? String(error.code) : 'no answer';
      throw invalidInput(field, `the host ${host} does not resolve (${code})`);
    }
  }
  if (addresses.length === 0) throw invalidInput(field, `the host ${host} does not resolve`);
  for (const address of addresses) {
    const reason = policy.refusal(host, address);
    if (reason)
      throw urlForbidden(
        field,
        `${address === host ? host : `${host} resolves to ${address}, which`} is ${reason}; webhooks are not sent there (an operator can allow hosts for development with CLM_WEBHOOK_ALLOW)`,
      );
  }
}
