import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressPolicy } from './address-policy';
import type { Resolve } from './destination-check';
import { parseRetryAfter } from './retry-schedule';
import { signatureHeader } from './signature';

/** One HTTP attempt of a message to an endpoint. */
export type SendRequest = { url: string; webhookId: string; body: string; secrets: readonly string[] };

/** What an attempt came to: the status (null when no answer came), an error in words, its duration and any Retry-After. */
export type SendResult = { status: number | null; error: string | null; durationMs: number; retryAfterMs: number | null };

/** How much of an answer's body is read (the rest is discarded) and kept in the delivery log. */
const MAX_ANSWER_BYTES = 64 * 1024;
const KEPT_ANSWER_CHARACTERS = 300;

/** The address was refused by the policy: at DNS resolution or at the socket actually connected. */
class AddressRefused extends Error {}

/**
 * Sends signed webhook requests with node:http(s), not fetch: fetch ignores
 * an http.Agent, and the agent is where the address actually connected to is
 * known. Every connection is checked twice against the address policy: the
 * DNS answer (only allowed addresses are offered to the socket) and the
 * socket's remote address once connected, so a name that resolves elsewhere
 * the second time (DNS rebinding) or a literal address is caught where it
 * matters. Redirects are not followed (a 3xx is a failed attempt).
 */
export class WebhookSender {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 16 });

  constructor(
    private readonly policy: AddressPolicy,
    /** DNS: every address of a host name (node:dns; tests give their own). */
    private readonly resolve: Resolve,
    /** The whole attempt's time limit: connecting, sending and the answer (15 s). */
    private readonly timeoutMs = 15_000,
  ) {}

  async send(request: SendRequest): Promise<SendResult> {
    const started = Date.now();
    const timestamp = Math.floor(started / 1000);
    const url = new URL(request.url);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (net.isIP(host) !== 0) {
      const reason = this.policy.refusal(host, host);
      if (reason)
        return { status: null, error: `refused to connect to ${host}: ${reason}`, durationMs: Date.now() - started, retryAfterMs: null };
    }
    const headers = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(request.body).toString(),
      'user-agent': 'clm-webhooks/1',
      'webhook-id': request.webhookId,
      'webhook-timestamp': timestamp.toString(),
      'webhook-signature': signatureHeader(request.webhookId, timestamp, request.body, request.secrets),
    };
    const first = await this.post(url, host, headers, request.body, started);
    // A pooled connection the endpoint closed as it was reused (its keep-alive ran out): once more on a new one.
    if (first.reusedSocketReset) return this.post(url, host, headers, request.body, started);
    return first;
  }

  /** One POST; the whole attempt (from `started`) within the time limit. */
  private post(
    url: URL,
    host: string,
    headers: Record<string, string>,
    body: string,
    started: number,
  ): Promise<SendResult & { reusedSocketReset?: boolean }> {
    const finish = (status: number | null, error: string | null, retryAfterMs: number | null = null): SendResult => ({
      status,
      error,
      durationMs: Date.now() - started,
      retryAfterMs,
    });
    return new Promise((resolve) => {
      let settled = false;
      const settle = (result: SendResult & { reusedSocketReset?: boolean }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const secure = url.protocol === 'https:';
      const call = (secure ? https : http).request(url, {
        method: 'POST',
        headers,
        agent: secure ? this.httpsAgent : this.httpAgent,
        lookup: this.lookup(host),
      });
      const remaining = Math.max(1, this.timeoutMs - (Date.now() - started));
      const timer = setTimeout(() => {
        call.destroy(new Error(`no answer within ${this.timeoutMs / 1000} s`));
        settle(finish(null, `no answer within ${this.timeoutMs / 1000} s`));
      }, remaining);
      call.on('socket', (socket) => {
        const check = () => {
          const address = socket.remoteAddress;
          const reason = address === undefined ? 'no remote address' : this.policy.refusal(host, address);
          if (reason) call.destroy(new AddressRefused(`refused to talk to ${address ?? host}: ${reason}`));
        };
        // A pooled socket was checked when it connected.
        if (socket.remoteAddress !== undefined && !socket.connecting) return;
        socket.once(secure ? 'secureConnect' : 'connect', check);
      });
      let answered = false;
      call.on('response', (answer) => {
        answered = true;
        const chunks: Buffer[] = [];
        let bytes = 0;
        answer.on('data', (chunk: Buffer) => {
          if (bytes < MAX_ANSWER_BYTES) chunks.push(chunk);
          bytes += chunk.length;
        });
        answer.on('error', (error) => settle(finish(answer.statusCode ?? null, error.message)));
        // The connection lost before the answer ended: no 'end' comes.
        answer.on('close', () => settle(finish(answer.statusCode ?? null, 'the connection closed before the answer ended')));
        answer.on('end', () => {
          const status = answer.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8').slice(0, KEPT_ANSWER_CHARACTERS);
          const retryAfter = answer.headers['retry-after'];
          const ok = status >= 200 && status < 300;
          settle(
            finish(
              status,
              ok ? null : `answered ${status}${text.trim() === '' ? '' : `: ${text.trim()}`}`,
              parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, new Date()),
            ),
          );
        });
      });
      call.on('error', (error) => {
        const reset = call.reusedSocket && 'code' in error && error.code === 'ECONNRESET';
        settle({ ...finish(null, error.message), reusedSocketReset: reset });
      });
      call.on('close', () => {
        if (!answered) settle(finish(null, 'the connection closed before an answer'));
      });
      call.end(body);
    });
  }

  /** Closes pooled connections. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  /** DNS for one request: resolves, and offers the socket only addresses the policy allows for `host`. */
  private lookup(host: string): net.LookupFunction {
    return (hostname, options, callback) => {
      this.resolve(hostname).then(
        (addresses) => {
          const wanted = addresses
            .map((address) => ({ address, family: net.isIP(address) }))
            .filter((entry) => entry.family !== 0 && (!options.family || entry.family === options.family));
          const allowed = wanted.filter((entry) => this.policy.refusal(host, entry.address) === null);
          if (allowed.length === 0) {
            const first = wanted[0];
            const reason = first ? `${first.address} is ${this.policy.refusal(host, first.address)}` : 'it has no address';
            callback(new AddressRefused(`refused to connect to ${hostname}: ${reason}`), '', 0);
          } else if (options.all) callback(null, allowed);
          // Node asks for every address when it races IPv4 and IPv6 (autoSelectFamily), for one otherwise.
          else callback(null, allowed[0].address, allowed[0].family);
        },
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), '', 0),
      );
    };
  }
}
