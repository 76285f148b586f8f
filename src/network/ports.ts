/**
 * Published ports of one endpoint: the API's PortBindings (plus -P's exposed ports)
 * as mappings, host ports reserved by binding them (ephemeral ones chosen upwards from
 * 32768 as dockerd's allocator does), then DNAT rules and the userland proxy.
 *
 * As in dockerd 20.10, a binding without a host address is published on IPv6 too
 * when the userland proxy is on: `0.0.0.0:P` and `:::P`, the latter proxied to the
 * container's IPv4 address (no ip6tables rules; without the proxy, IPv4 only).
 */
import { InvalidParameter } from '../engine/errors.js';
import type { Iptables, Rule } from '../drivers/networkdriver/iptables.js';
import { isV6, noIpv6, reserve, type PortBindings, type Proto, type Reservation } from '../drivers/networkdriver/portmapper.js';
import { startProxy, type Proxy } from '../drivers/networkdriver/proxy.js';
import type { PublishedPort } from './types.js';

/** One binding before the host port is known: a fixed port, a range, or 0 (any). */
export interface PortRequest {
  proto: Proto;
  containerPort: number;
  hostIp: string;
  hostPorts: [number, number];
  /** The `::` twin of a binding that named no address: skipped on a host without IPv6. */
  optional?: boolean;
}

/** dockerd's words for any bad part of a binding (nat.ParsePortSpec at the API). */
function badSpec(spec: string): InvalidParameter {
  return new InvalidParameter(`invalid port specification: "${spec}"`);
}

function num(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw badSpec(text);
  return Number(text);
}

/** `80/tcp` keys as dockerd's nat.ParsePort (sctp is taken here; publishing it fails at start). */
function portKey(key: string): { proto: Proto; port: number } {
  const m = /^(\d+)(?:\/(\w+))?$/.exec(key);
  if (!m) throw badSpec(key.split('/')[0]!);
  const proto = (m[2] ?? 'tcp').toLowerCase();
  if (proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp') throw new InvalidParameter(`invalid proto: ${proto}`);
  return { proto, port: num(m[1]!) };
}

/**
 * The host addresses one binding is published on, as dockerd's bridge driver picks
 * them: a named address alone; none named, the default (`--ip`, the network's
 * host_binding_ipv4) and, with the proxy, `::` beside `0.0.0.0`.
 */
function hostAddresses(given: string, defaultIp: string, ipv6: boolean): Array<{ hostIp: string; optional?: boolean }> {
  if (given) return isV6(given) && !ipv6 ? [] : [{ hostIp: given }];
  const out: Array<{ hostIp: string; optional?: boolean }> = [];
  if (!isV6(defaultIp)) out.push({ hostIp: defaultIp });
  if (ipv6 && defaultIp === '0.0.0.0') out.push({ hostIp: '::', optional: true });
  else if (ipv6 && isV6(defaultIp)) out.push({ hostIp: defaultIp });
  return out;
}

/**
 * The requests of PortBindings and, with -P, of every exposed port not bound already.
 * `ipv6`: the userland proxy is on, so IPv6 host addresses can be served.
 */
export function portRequests(bindings: PortBindings | undefined, exposed: Record<string, unknown> | undefined, publishAll: boolean, defaultIp: string, ipv6 = false): PortRequest[] {
  const out: PortRequest[] = [];
  const bound = new Set<string>();
  const add = (proto: Proto, containerPort: number, given: string, hostPorts: [number, number]): void => {
    for (const a of hostAddresses(given, defaultIp, ipv6)) out.push({ proto, containerPort, hostIp: a.hostIp, hostPorts, ...(a.optional ? { optional: true } : {}) });
  };
  for (const [key, list] of Object.entries(bindings ?? {})) {
    const { proto, port } = portKey(key);
    bound.add(`${port}/${proto}`);
    for (const b of list && list.length ? list : [{}]) {
      const hp = b.HostPort ?? '';
      let range: [number, number] = [0, 0];
      if (hp) {
        const [lo, hi] = hp.split('-', 2);
        range = [num(lo!), hi === undefined ? num(lo!) : num(hi)];
        if (range[1] < range[0]) throw badSpec(hp);
      }
      add(proto, port, b.HostIp ?? '', range);
    }
  }
  if (publishAll) {
    for (const key of Object.keys(exposed ?? {})) {
      const { proto, port } = portKey(key);
      if (!bound.has(`${port}/${proto}`)) add(proto, port, '', [0, 0]);
    }
  }
  return out;
}

/** Ports an endpoint holds while its container runs: reservations become proxies at attach. */
export interface HeldPorts {
  ports: PublishedPort[];
  reservations: Reservation[];
  proxies: Proxy[];
}

const EPHEMERAL_START = 32768;
const EPHEMERAL_END = 60999;

/**
 * The allocator's cursors: ephemeral ports go upwards and wrap, one cursor per host
 * address and protocol as in dockerd's allocator (so `-p 80` on a fresh daemon gets
 * 32768 on both 0.0.0.0 and ::).
 */
export class PortCursor {
  private readonly next = new Map<string, number>();

  take(key = ''): number {
    const p = this.next.get(key) ?? EPHEMERAL_START;
    this.next.set(key, p >= EPHEMERAL_END ? EPHEMERAL_START : p + 1);
    return p;
  }
}

async function reserveOne(r: PortRequest, cursor: PortCursor, ep: { name: string; id: string }): Promise<Reservation> {
  if (r.hostPorts[0] !== 0 && r.hostPorts[0] === r.hostPorts[1]) return reserve(r.proto, r.hostIp, r.hostPorts[0], ep);
  const tries = r.hostPorts[0] === 0 ? EPHEMERAL_END - EPHEMERAL_START + 1 : r.hostPorts[1] - r.hostPorts[0] + 1;
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    const port = r.hostPorts[0] === 0 ? cursor.take(`${r.hostIp}/${r.proto}`) : r.hostPorts[0] + i;
    try {
      return await reserve(r.proto, r.hostIp, port, ep);
    } catch (err) {
      if (noIpv6(err)) throw err; // no other port would do better
      last = err;
    }
  }
  throw last;
}

/** Binds every requested port; on the first failure the ones taken are let go again. */
export async function reservePorts(reqs: PortRequest[], cursor: PortCursor, ep: { name: string; id: string }): Promise<HeldPorts> {
  const held: HeldPorts = { ports: [], reservations: [], proxies: [] };
  try {
    for (const r of reqs) {
      let res: Reservation;
      try {
        res = await reserveOne(r, cursor, ep);
      } catch (err) {
        if (r.optional && noIpv6(err)) continue;
        throw err;
      }
      held.reservations.push(res);
      held.ports.push({ proto: r.proto, containerPort: r.containerPort, hostIp: r.hostIp, hostPort: res.port });
    }
  } catch (err) {
    await releasePorts(held, null, '', '');
    throw err;
  }
  return held;
}

/** DNAT and ACCEPT rules of the IPv4 bindings (`::` ones are served by the proxy alone). */
export function portRulesOf(ipt: Iptables, ports: PublishedPort[], bridge: string, containerIp: string): Rule[] {
  return ports.filter((p) => !isV6(p.hostIp)).flatMap((p) => ipt.portRules({ bridge, proto: p.proto, hostIp: p.hostIp, hostPort: p.hostPort, containerIp, containerPort: p.containerPort }));
}

/**
 * The ports go live: DNAT rules, then with the userland proxy each reservation is
 * handed over to a forwarder on the same address and port (without it the
 * reservation stays bound, so nothing else takes the port).
 */
export async function activatePorts(held: HeldPorts, ipt: Iptables | null, useProxy: boolean, bridge: string, containerIp: string): Promise<void> {
  if (ipt) await ipt.addAll(portRulesOf(ipt, held.ports, bridge, containerIp));
  if (!useProxy) return;
  for (let i = 0; i < held.ports.length; i++) {
    const p = held.ports[i]!;
    await held.reservations[i]?.close();
    held.proxies.push(await startProxy({ proto: p.proto, hostIp: p.hostIp, hostPort: p.hostPort, containerIp, containerPort: p.containerPort }));
  }
  held.reservations = [];
}

/** Everything of activatePorts and reservePorts undone; safe on a partial state. */
export async function releasePorts(held: HeldPorts, ipt: Iptables | null, bridge: string, containerIp: string): Promise<void> {
  for (const p of held.proxies) await p.close().catch(() => undefined);
  for (const r of held.reservations) await r.close().catch(() => undefined);
  held.proxies = [];
  held.reservations = [];
  if (ipt && containerIp) await ipt.removeAll(portRulesOf(ipt, held.ports, bridge, containerIp));
}
