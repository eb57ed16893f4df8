import fc from 'fast-check';
import { AddressPolicy, forbiddenReason, ipv6Bytes } from '../address-policy';

const octet = fc.integer({ min: 0, max: 255 });
const hex = (high: number, low: number) => ((high << 8) | low).toString(16);

/** An IPv4 address inside `first.second…/prefix`, for prefixes of 8, 10, 12 or 16 bits. */
function inside(base: [number, number], prefix: number) {
  return fc.tuple(octet, octet, octet).map(([b, c, d]) => {
    const second = prefix >= 16 ? base[1] : prefix === 8 ? b : (base[1] & (0xff << (16 - prefix))) | (b & (0xff >> (prefix - 8)));
    return [base[0], second, c, d] as const;
  });
}

const PRIVATE_RANGES: Array<{ base: [number, number]; prefix: number; reason: RegExp }> = [
  { base: [10, 0], prefix: 8, reason: /private/ },
  { base: [127, 0], prefix: 8, reason: /loopback/ },
  { base: [169, 254], prefix: 16, reason: /link-local/ },
  { base: [172, 16], prefix: 12, reason: /private/ },
  { base: [192, 168], prefix: 16, reason: /private/ },
  { base: [100, 64], prefix: 10, reason: /carrier-grade NAT/ },
  { base: [0, 0], prefix: 8, reason: /unspecified/ },
];

describe('the addresses webhooks may call', () => {
  it('refuses every address of the loopback, private, link-local, shared and unspecified ranges, in each form that reaches it', () => {
    for (const range of PRIVATE_RANGES)
      fc.assert(
        fc.property(inside(range.base, range.prefix), ([a, b, c, d]) => {
          const forms = [
            `${a}.${b}.${c}.${d}`,
            `::ffff:${a}.${b}.${c}.${d}`,
            `::ffff:${hex(a, b)}:${hex(c, d)}`,
            `64:ff9b::${hex(a, b)}:${hex(c, d)}`,
            `2002:${hex(a, b)}:${hex(c, d)}::1`,
          ];
          for (const form of forms) expect(forbiddenReason(form)).toMatch(range.reason);
        }),
      );
  });

  it('refuses the cloud metadata addresses and the special IPv6 ranges', () => {
    expect(forbiddenReason('169.254.169.254')).toMatch(/link-local .*metadata/);
    expect(forbiddenReason('fd00:ec2::254')).toMatch(/unique-local .*metadata/);
    expect(forbiddenReason('100.100.100.200')).toMatch(/carrier-grade NAT/);
    expect(forbiddenReason('::1')).toMatch(/loopback/);
    expect(forbiddenReason('::')).toMatch(/unspecified/);
    expect(forbiddenReason('fe80::1%eth0')).toMatch(/link-local/);
    expect(forbiddenReason('ff02::1')).toMatch(/multicast/);
    expect(forbiddenReason('::7f00:1')).toMatch(/IPv4-compatible/);
    expect(forbiddenReason('255.255.255.255')).toMatch(/reserved/);
    expect(forbiddenReason('239.1.2.3')).toMatch(/multicast/);
    expect(forbiddenReason('localhost')).toBe('not an IP address');
  });

  it('lets public addresses through', () => {
    for (const address of [
      '8.8.8.8',
      '1.1.1.1',
      '93.184.216.34',
      '172.32.0.1',
      '2001:4860:4860::8888',
      '2606:4700::1111',
      '::ffff:8.8.8.8',
    ])
      expect(forbiddenReason(address)).toBeNull();
  });

  it('reads IPv6 addresses in every notation to the same 16 bytes', () => {
    const expanded = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1];
    expect(ipv6Bytes('::ffff:127.0.0.1')).toEqual(expanded);
    expect(ipv6Bytes('::ffff:7f00:1')).toEqual(expanded);
    expect(ipv6Bytes('0:0:0:0:0:ffff:7f00:0001')).toEqual(expanded);
    expect(ipv6Bytes('1:2:3:4:5:6:7:8')).toEqual([0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]);
    expect(ipv6Bytes('1::')).toEqual([0, 1, ...new Array<number>(14).fill(0)]);
    expect(ipv6Bytes('127.0.0.1')).toBeNull();
  });

  it('allows what the operator lists: host names exactly, ranges and single addresses', () => {
    const policy = new AddressPolicy(['Receiver.Test', '127.0.0.0/8', '::1', '10.1.0.0/16']);
    expect(policy.refusal('receiver.test', '192.168.1.1')).toBeNull();
    expect(policy.refusal('other.test', '127.0.0.1')).toBeNull();
    expect(policy.refusal('other.test', '127.255.0.9')).toBeNull();
    expect(policy.refusal('[::1]', '::1')).toBeNull();
    expect(policy.refusal('other.test', '10.1.200.3')).toBeNull();
    expect(policy.refusal('other.test', '10.2.0.1')).toMatch(/private/);
    expect(policy.refusal('receiver.test.evil', '169.254.169.254')).toMatch(/link-local/);
    expect(new AddressPolicy().refusal('localhost', '127.0.0.1')).toMatch(/loopback/);
  });
});
