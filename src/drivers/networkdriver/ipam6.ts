import { isIPv6 } from 'node:net';
import { Forbidden, InvalidParameter, Unavailable } from '../../engine/errors.js';

/*
 * IPv6 addresses of a network created with --ipv6: 128-bit numbers as BigInt. The
 * subnet is the user's (dockerd 20.10 has no default IPv6 pool); the gateway is its
 * first address unless given; containers get the lowest free addresses of the
 * range, as libnetwork's allocator hands them out.
 */

export interface Cidr6 {
  base: bigint;
  prefix: number;
}

const ALL = (1n << 128n) - 1n;

function mask(prefix: number): bigint {
  return prefix === 0 ? 0n : (ALL << BigInt(128 - prefix)) & ALL;
}

/** An IPv6 address; IPv4-mapped and other dotted forms are not taken. */
export function parseIp6(text: string): bigint {
  if (!isIPv6(text) || text.includes('.') || text.includes('%')) throw new InvalidParameter(`invalid IPv6 address: ${text}`);
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** RFC 5952's form, as Go prints it: lowercase, the longest run of two or more zero groups as `::`. */
export function formatIp6(n: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export function parseCidr6(text: string): Cidr6 {
  const m = /^([0-9a-fA-F:]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m || Number(m[2]) > 128) throw new InvalidParameter(`invalid CIDR address: ${text}`);
  const prefix = Number(m[2]);
  let ip: bigint;
  try {
    ip = parseIp6(m[1]!);
  } catch {
    throw new InvalidParameter(`invalid CIDR address: ${text}`);
  }
  return { base: ip & mask(prefix), prefix };
}

export function formatCidr6(c: Cidr6): string {
  return `${formatIp6(c.base)}/${c.prefix}`;
}

export function contains6(c: Cidr6, ip: bigint): boolean {
  return (ip & mask(c.prefix)) === c.base;
}

export function overlaps6(a: Cidr6, b: Cidr6): boolean {
  return contains6(a, b.base) || contains6(b, a.base);
}

/** The settings of a network's IPv6 side, as the record keeps them. */
export interface V6Settings {
  subnet: string;
  gateway: string;
  range?: string;
}

/** Hands out a network's IPv6 addresses; `allocated` are those its live endpoints hold. */
export function allocate6(v6: V6Settings, allocated: readonly string[], requested?: string): string {
  const subnet = parseCidr6(v6.subnet);
  const gateway = parseIp6(v6.gateway);
  const used = new Set(allocated.map(parseIp6));
  if (requested !== undefined) {
    const ip = parseIp6(requested);
    if (!contains6(subnet, ip)) throw new InvalidParameter(`Invalid address ${requested}: It does not belong to any of this network's subnets`);
    if (used.has(ip) || ip === gateway || ip === subnet.base) throw new Forbidden('Address already in use');
    return formatIp6(ip);
  }
  const range = v6.range ? parseCidr6(v6.range) : subnet;
  const end = range.base + (1n << BigInt(128 - range.prefix));
  // A network holds far fewer endpoints than this bound; the loop ends at the first gap.
  for (let ip = range.base; ip < end; ip++) {
    if (ip !== subnet.base && ip !== gateway && !used.has(ip)) return formatIp6(ip);
  }
  throw new Unavailable("no available IPv6 addresses on this network's address pools");
}
