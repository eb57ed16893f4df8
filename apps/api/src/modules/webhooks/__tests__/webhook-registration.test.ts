import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ClmError } from '../../../core/errors';
import { createTestContext } from '../../../testing';
import type { TestContext } from '../../../testing';

const octet = fc.integer({ min: 0, max: 255 });
const hex = (high: number, low: number) => ((high << 8) | low).toString(16);

/** Hosts that reach a loopback, private, link-local or metadata address, written every way a URL can write them. */
const privateHost = fc.oneof(
  fc.tuple(octet, octet, octet).map(([b, c, d]) => `127.${b}.${c}.${d}`),
  fc.tuple(octet, octet, octet).map(([b, c, d]) => `10.${b}.${c}.${d}`),
  fc.tuple(octet, octet).map(([c, d]) => `192.168.${c}.${d}`),
  fc.tuple(fc.integer({ min: 16, max: 31 }), octet, octet).map(([b, c, d]) => `172.${b}.${c}.${d}`),
  fc.tuple(octet, octet).map(([c, d]) => `169.254.${c}.${d}`),
  fc.tuple(octet, octet, octet).map(([b, c, d]) => `[::ffff:${hex(127, b)}:${hex(c, d)}]`),
  fc.tuple(octet, octet).map(([c, d]) => `[::ffff:192.168.${c}.${d}]`),
  fc.integer({ min: 0x7f000000, max: 0x7fffffff }).map((n) => String(n)),
  fc.integer({ min: 0x0a000000, max: 0x0affffff }).map((n) => `0x${n.toString(16)}`),
  fc.constantFrom('[::1]', '[::]', '0', '0.0.0.0', '[fd00:ec2::254]', '[fe80::1]', 'localhost', 'metadata.internal'),
);

/*
 * Registration refuses every URL aimed at an address clm must not call, in
 * whatever notation the host is written (the URL parser normalises decimal and
 * hexadecimal IPv4 hosts; IPv4-mapped IPv6 reaches the IPv4 address), and
 * stores nothing. Host names resolve through the test's resolver: localhost
 * and metadata.internal to loopback and the metadata address.
 */
describe('registering a webhook endpoint', () => {
  let context: TestContext;

  beforeAll(async () => {
    context = await createTestContext({
      webhooks: {
        resolve: async (host) => {
          if (host === 'localhost') return ['127.0.0.1', '::1'];
          if (host === 'metadata.internal') return ['169.254.169.254'];
          if (host === 'mixed.example') return ['93.184.216.34', '10.0.0.7'];
          if (host === 'hooks.example') return ['93.184.216.34'];
          throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
        },
      },
    });
  });
  afterAll(async () => {
    await context.close();
  });

  const create = (url: string, extra: Record<string, unknown> = {}) =>
    context.services.webhookEndpoints.create({ url, eventTypes: ['segment.entered'], ...extra }, 'test');

  it('refuses every URL whose host is or resolves to a private address, storing nothing', async () => {
    await fc.assert(
      fc.asyncProperty(privateHost, fc.constantFrom('http', 'https'), fc.integer({ min: 1, max: 65535 }), async (host, scheme, port) => {
        const error = await create(`${scheme}://${host}:${port}/hook`).then(
          () => null,
          (failure: unknown) => failure,
        );
        expect(error).toBeInstanceOf(ClmError);
        expect(error).toMatchObject({ code: 'WEBHOOK_URL_FORBIDDEN', details: { field: 'input.url' } });
      }),
      { numRuns: 200 },
    );
    const [{ count }] = await context.db.query<{ count: number }>(`SELECT count(*)::int AS count FROM webhook_endpoints`);
    expect(count).toBe(0);
  });

  it('refuses a host with any private address among its public ones, and one that does not resolve', async () => {
    await expect(create('https://mixed.example/hook')).rejects.toThrow(
      'input.url: mixed.example resolves to 10.0.0.7, which is a private address; webhooks are not sent there',
    );
    await expect(create('https://nowhere.example/hook')).rejects.toThrow(
      'input.url: the host nowhere.example does not resolve (ENOTFOUND)',
    );
  });

  it('refuses unknown stages and segments, naming each', async () => {
    await expect(create('https://hooks.example/a', { stages: ['awareness', 'nirvana'] })).rejects.toThrow(
      'the webhook endpoint is invalid: input.stages[1]: "nirvana" is not a stage of the lifecycle model; one of awareness, acquisition, engagement, retention, advocacy, at-risk, churned',
    );
    await expect(create('https://hooks.example/a', { segmentIds: ['6f1c1e62-9d2a-4c55-8d7e-5a1f3b1e2c3d'] })).rejects.toThrow(
      'the webhook endpoint is invalid: input.segmentIds[0]: no segment with id "6f1c1e62-9d2a-4c55-8d7e-5a1f3b1e2c3d"',
    );
  });

  it('registers a public URL with its filters and answers the secret once', async () => {
    const { endpoint, secret } = await create('https://hooks.example/clm', { stages: ['at-risk'], description: 'win-back' });
    expect(endpoint).toMatchObject({ url: 'https://hooks.example/clm', stages: ['at-risk'], segmentIds: null, description: 'win-back' });
    expect(secret).toMatch(/^whsec_/);
    expect(JSON.stringify(await context.services.webhookEndpoints.list())).not.toContain(secret);
  });
});
