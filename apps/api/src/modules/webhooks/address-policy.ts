import net from 'node:net';

/*
 * Which addresses clm may call for a webhook. Pure: no DNS here (the sender
 * and the registration resolve, then ask). Refused unless allow-listed:
 * loopback, private (RFC 1918), carrier-grade NAT, link-local (where the
 * cloud metadata services answer: 169.254.169.254, fd00:ec2::254 is in the
 * unique-local range), unique-local, unspecified, multicast, broadcast and
 * reserved or documentation ranges. IPv6 forms that carry an IPv4 address
 * (IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16) are judged
 * by the IPv4 address they reach.
 */

type Range = { bytes: number[]; prefix: number; reason: string };

const V4_RANGES: ReadonlyArray<[string, number, string]> = [
  ['0.0.0.0', 8, 'an unspecified address'],
  ['10.0.0.0', 8, 'a private address'],
  ['100.64.0.0', 10, 'a carrier-grade NAT (shared) address'],
  ['127.0.0.0', 8, 'a loopback address'],
  ['169.254.0.0', 16, 'a link-local address (cloud metadata services answer there)'],
  ['172.16.0.0', 12, 'a private address'],
  ['192.0.0.0', 24, 'a reserved (IETF protocol) address'],
  ['192.0.2.0', 24, 'a documentation address'],
  ['192.168.0.0', 16, 'a private address'],
  ['198.18.0.0', 15, 'a benchmarking address'],
  ['198.51.100.0', 24, 'a documentation address'],
  ['203.0.113.0', 24, 'a documentation address'],
  ['224.0.0.0', 4, 'a multicast address'],
  ['240.0.0.0', 4, 'a reserved address'],
];

const V6_RANGES: ReadonlyArray<[string, number, string]> = [
  ['::', 128, 'an unspecified address'],
  ['::1', 128, 'a loopback address'],
  ['::', 96, 'a reserved (IPv4-compatible) address'],
  ['100::', 64, 'a discard-only address'],
  ['2001:db8::', 32, 'a documentation address'],
  ['fc00::', 7, 'a unique-local address (cloud metadata services answer there)'],
  ['fe80::', 10, 'a link-local address'],
  ['fec0::', 10, 'a site-local address'],
  ['ff00::', 8, 'a multicast address'],
];

const V4: Range[] = V4_RANGES.map(([address, prefix, reason]) => ({ bytes: ipv4Bytes(address) ?? [], prefix, reason }));
const V6: Range[] = V6_RANGES.map(([address, prefix, reason]) => ({ bytes: ipv6Bytes(address) ?? [], prefix, reason }));

function ipv4Bytes(address: string): number[] | null {
  if (net.isIPv4(address)) return address.split('.').map(Number);
  return null;
}

/** The 16 bytes of an IPv6 address (with a dotted IPv4 tail, without a zone), or null. */
export function ipv6Bytes(address: string): number[] | null {
  let text = address.replace(/%.*$/, '');
  if (!net.isIPv6(text)) return null;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [left, right] = text.includes('::') ? text.split('::') : [text, null];
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const leftGroups = groups(left);
  const rightGroups = right === null ? [] : groups(right);
  const zeros = right === null ? 0 : 8 - leftGroups.length - rightGroups.length;
  const all = [...leftGroups, ...new Array<number>(Math.max(0, zeros)).fill(0), ...rightGroups];
  if (all.length !== 8) return null;
  return all.flatMap((group) => [group >> 8, group & 0xff]);
}

function inRange(bytes: number[], range: Range): boolean {
  let bits = range.prefix;
  for (let index = 0; bits > 0; index++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[index] & mask) !== (range.bytes[index] & mask)) return false;
  }
  return true;
}

/** The IPv4 address an IPv6 address reaches (mapped, NAT64, 6to4), or null. */
function embeddedIpv4(bytes: number[]): number[] | null {
  const zero = (from: number, to: number) => bytes.slice(from, to).every((byte) => byte === 0);
  if (zero(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.slice(12);
  if (bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zero(4, 12)) return bytes.slice(12);
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return bytes.slice(2, 6);
  return null;
}

/** Why clm must not call `address` (an IP address in text), or null when it may; a string that is no address is refused. */
export function forbiddenReason(address: string): string | null {
  const v4 = ipv4Bytes(address);
  if (v4) return V4.find((range) => inRange(v4, range))?.reason ?? (address === '255.255.255.255' ? 'a broadcast address' : null);
  const v6 = ipv6Bytes(address);
  if (!v6) return 'not an IP address';
  const reached = embeddedIpv4(v6);
  if (reached) return forbiddenReason(reached.join('.'));
  return V6.find((range) => inRange(v6, range))?.reason ?? null;
}

/**
 * The operator's allow-list (CLM_WEBHOOK_ALLOW): host names, matched exactly
 * (case-insensitive), and address ranges in CIDR form or single addresses,
 * for development receivers on loopback or a private network.
 */
export class AddressPolicy {
  private readonly hosts: Set<string>;
  private readonly ranges: Range[];

  constructor(readonly allow: readonly string[] = []) {
    this.hosts = new Set();
    this.ranges = [];
    for (const entry of allow) {
      const range = parseRange(entry);
      if (range) this.ranges.push(range);
      else this.hosts.add(entry.toLowerCase());
    }
  }

  /** Whether `host` (as the URL names it) is allow-listed by name: then any address it resolves to may be called. */
  allowsHost(host: string): boolean {
    return this.hosts.has(host.toLowerCase().replace(/^\[|\]$/g, ''));
  }

  /** Why `address` may not be called for `host`, or null when it may (allow-listed, or public). */
  refusal(host: string, address: string): string | null {
    if (this.allowsHost(host)) return null;
    const bytes = ipv4Bytes(address) ?? ipv6Bytes(address);
    if (bytes && this.ranges.some((range) => range.bytes.length === bytes.length && inRange(bytes, range))) return null;
    return forbiddenReason(address);
  }
}

/** `a.b.c.d/n`, `x::y/n` or a single address, as a range; null for anything else (a host name). */
export function parseRange(entry: string): Range | null {
  const [address, prefixText, ...rest] = entry.split('/');
  if (rest.length > 0) return null;
  const bytes = ipv4Bytes(address) ?? ipv6Bytes(address);
  if (!bytes) return null;
  const bits = bytes.length * 8;
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= bits)) return null;
  return { bytes, prefix, reason: 'allow-listed' };
}
