/**
 * IPv4 address management: CIDR arithmetic, choosing a free subnet for a new network,
 * and allocating addresses inside one. Pure data in and out: the caller persists the
 * allocator state (sqlite); nothing here touches the store.
 */
import { isIP } from 'node:net';
import { Forbidden, InvalidParameter, Unavailable } from '../../engine/errors.js';
import { run } from './exec.js';

export interface Cidr {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

/** Whether Go's net.ParseIP takes `text`: an IPv4 or IPv6 address, without the zone node's isIP allows. */
export function goParsesIp(text: string): boolean {
  return isIP(text) !== 0 && !text.includes('%');
}

export function parseIp(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) throw new InvalidParameter(`invalid IP address: ${text}`);
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw new InvalidParameter(`invalid IP address: ${text}`);
    n = n * 256 + Number(p);
  }
  return n;
}

export function formatIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parses `10.1.0.0/16`; host bits are cleared, as dockerd does for --subnet. */
export function parseCidr(text: string): Cidr {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(text.trim());
  if (!m || Number(m[2]) > 32) throw new InvalidParameter(`invalid CIDR address: ${text}`);
  const prefix = Number(m[2]);
  return { base: (parseIp(m[1]!) & mask(prefix)) >>> 0, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.base)}/${c.prefix}`;
}

export function size(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function contains(c: Cidr, ip: number): boolean {
  return ((ip & mask(c.prefix)) >>> 0) === c.base;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return contains(a, b.base) || contains(b, a.base);
}

/** One entry of --default-address-pools: carve `base` into subnets of `size` bits. */
export interface AddressPool {
  base: string;
  size: number;
}

/** dockerd's predefined local pools: 172.17-31.0.0/16, then 192.168.0.0/16 in /20 steps. */
export const DEFAULT_POOLS: readonly AddressPool[] = [
  { base: '172.17.0.0/16', size: 16 },
  { base: '172.18.0.0/16', size: 16 },
  { base: '172.19.0.0/16', size: 16 },
  { base: '172.20.0.0/14', size: 16 },
  { base: '172.24.0.0/14', size: 16 },
  { base: '172.28.0.0/14', size: 16 },
  { base: '192.168.0.0/16', size: 20 },
];

/**
 * The first subnet carved from `pools` that overlaps none of `taken` (host routes,
 * interface addresses, other networks' subnets).
 */
export function pickFreeSubnet(pools: readonly AddressPool[], taken: readonly Cidr[], name = 'bridge'): Cidr {
  for (const pool of pools) {
    const p = parseCidr(pool.base);
    if (pool.size < p.prefix || pool.size > 32) continue;
    const step = 2 ** (32 - pool.size);
    for (let base = p.base; base < p.base + size(p); base += step) {
      const candidate: Cidr = { base: base >>> 0, prefix: pool.size };
      if (!taken.some((t) => overlaps(t, candidate))) return candidate;
    }
  }
  throw new Unavailable(`no available IPv4 addresses on this network's address pools: ${name}`);
}

/**
 * The host's routes and interface addresses, as subnets a new network must not
 * overlap. The default route (0/0) is skipped: every subnet overlaps it.
 */
export async function hostSubnets(): Promise<Cidr[]> {
  const out: Cidr[] = [];
  const routes = JSON.parse((await run('ip', ['-j', '-4', 'route', 'show', 'table', 'all'])).stdout) as Array<{ dst?: string; type?: string }>;
  for (const r of routes) {
    if (!r.dst || r.dst === 'default') continue;
    if (r.type && r.type !== 'unicast') continue; // local/broadcast entries are the addresses below
    const dst = r.dst.includes('/') ? r.dst : `${r.dst}/32`;
    try { out.push(parseCidr(dst)); } catch { /* not IPv4 */ }
  }
  const links = JSON.parse((await run('ip', ['-j', '-4', 'addr'])).stdout) as Array<{ addr_info?: Array<{ local?: string; prefixlen?: number }> }>;
  for (const l of links) {
    for (const a of l.addr_info ?? []) {
      if (a.local && a.prefixlen !== undefined) out.push(parseCidr(`${a.local}/${a.prefixlen}`));
    }
  }
  return out;
}

/** Refuses a requested subnet that overlaps another network's, in libnetwork's words (a 403, as dockerd answers). */
export function checkNoOverlap(subnet: Cidr, others: readonly Cidr[]): void {
  if (others.some((o) => overlaps(o, subnet))) {
    throw new Forbidden('Pool overlaps with other one on this address space');
  }
}

/** Persistable allocator state: plain strings so it serialises to JSON as it is. */
export interface AllocatorState {
  subnet: string;
  gateway: string;
  /** --ip-range / --fixed-cidr: where dynamic addresses come from (default: the subnet). */
  range?: string;
  allocated: string[];
}

export class Allocator {
  private readonly subnet: Cidr;
  private readonly range: Cidr;
  private readonly gateway: number;
  private readonly used = new Set<number>();

  /** `network` names the network in the exhausted-pool message, as libnetwork does. */
  constructor(state: AllocatorState, private readonly network = 'bridge') {
    this.subnet = parseCidr(state.subnet);
    this.range = state.range ? parseCidr(state.range) : this.subnet;
    this.gateway = parseIp(state.gateway);
    if (!contains(this.subnet, this.gateway)) {
      throw new InvalidParameter(`Invalid address ${state.gateway}: It does not belong to any of this network's subnets`);
    }
    if (!contains(this.subnet, this.range.base) || this.range.prefix < this.subnet.prefix) {
      throw new InvalidParameter(`Invalid address ${formatCidr(this.range)}: It does not belong to any of this network's subnets`);
    }
    for (const a of state.allocated) this.used.add(parseIp(a));
  }

  /** The gateway of a subnet when none is given: its first host address. */
  static defaultGateway(subnet: string): string {
    return formatIp(parseCidr(subnet).base + 1);
  }

  state(): AllocatorState {
    const s: AllocatorState = {
      subnet: formatCidr(this.subnet),
      gateway: formatIp(this.gateway),
      allocated: [...this.used].sort((a, b) => a - b).map(formatIp),
    };
    if (this.range !== this.subnet) s.range = formatCidr(this.range);
    return s;
  }

  /** Network and broadcast addresses and the gateway are never handed out. */
  private reserved(ip: number): boolean {
    const last = this.subnet.base + size(this.subnet) - 1;
    return ip === this.gateway || (this.subnet.prefix < 31 && (ip === this.subnet.base || ip === last));
  }

  /** An explicit request (`--ip`), or the lowest free address of the range. */
  allocate(requested?: string): string {
    if (requested !== undefined) {
      const ip = parseIp(requested);
      if (!contains(this.subnet, ip)) {
        throw new InvalidParameter(`Invalid address ${requested}: It does not belong to any of this network's subnets`);
      }
      // libnetwork's ErrIPAlreadyAllocated is a ForbiddenError: dockerd answers 403.
      if (this.used.has(ip) || this.reserved(ip)) throw new Forbidden('Address already in use');
      this.used.add(ip);
      return formatIp(ip);
    }
    const end = this.range.base + size(this.range);
    for (let ip = this.range.base; ip < end; ip++) {
      if (!this.used.has(ip) && !this.reserved(ip)) {
        this.used.add(ip);
        return formatIp(ip);
      }
    }
    throw new Unavailable(`no available IPv4 addresses on this network's address pools: ${this.network}`);
  }

  release(address: string): void {
    this.used.delete(parseIp(address));
  }

  get prefix(): number {
    return this.subnet.prefix;
  }
}

/** dockerd's MAC for an IPv4 endpoint: 02:42 followed by the four address bytes. */
export function macFor(ip: string): string {
  const n = parseIp(ip);
  const bytes = [0x02, 0x42, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
