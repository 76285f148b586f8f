/**
 * Published ports of one endpoint: the API's PortBindings (plus -P's exposed ports)
 * as mappings, host ports reserved by binding them (ephemeral ones chosen upwards from
 * 32768 as dockerd's allocator does), then DNAT rules and the userland proxy.
 */
import { InvalidParameter } from '../engine/errors.js';
import type { Iptables, Rule } from '../drivers/networkdriver/iptables.js';
import { reserve, type PortBindings, type Proto, type Reservation } from '../drivers/networkdriver/portmapper.js';
import { startProxy, type Proxy } from '../drivers/networkdriver/proxy.js';
import type { PublishedPort } from './types.js';

/** One binding before the host port is known: a fixed port, a range, or 0 (any). */
export interface PortRequest {
  proto: Proto;
  containerPort: number;
  hostIp: string;
  hostPorts: [number, number];
}

/** dockerd's words for any bad part of a binding (nat.ParsePortSpec at the API). */
function badSpec(spec: string): InvalidParameter {
  return new InvalidParameter(`invalid port specification: "${spec}"`);
}

function num(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw badSpec(text);
  return Number(text);
}

/** `80/tcp` keys as dockerd's nat.ParsePort; sctp is not served. */
function portKey(key: string): { proto: Proto; port: number } {
  const m = /^(\d+)(?:\/(\w+))?$/.exec(key);
  if (!m) throw badSpec(key.split('/')[0]!);
  const proto = (m[2] ?? 'tcp').toLowerCase();
  if (proto !== 'tcp' && proto !== 'udp') throw new InvalidParameter(`invalid proto: ${proto}`);
  return { proto, port: num(m[1]!) };
}

/** The requests of PortBindings and, with -P, of every exposed port not bound already. */
export function portRequests(bindings: PortBindings | undefined, exposed: Record<string, unknown> | undefined, publishAll: boolean, defaultIp: string): PortRequest[] {
  const out: PortRequest[] = [];
  const bound = new Set<string>();
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
      out.push({ proto, containerPort: port, hostIp: b.HostIp || defaultIp, hostPorts: range });
    }
  }
  if (publishAll) {
    for (const key of Object.keys(exposed ?? {})) {
      const { proto, port } = portKey(key);
      if (!bound.has(`${port}/${proto}`)) out.push({ proto, containerPort: port, hostIp: defaultIp, hostPorts: [0, 0] });
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

/** The allocator's cursor: ephemeral ports go upwards and wrap, as dockerd's do. */
export class PortCursor {
  private next = EPHEMERAL_START;

  take(): number {
    const p = this.next;
    this.next = p >= EPHEMERAL_END ? EPHEMERAL_START : p + 1;
    return p;
  }
}

async function reserveOne(r: PortRequest, cursor: PortCursor, ep: { name: string; id: string }): Promise<Reservation> {
  if (r.hostPorts[0] !== 0 && r.hostPorts[0] === r.hostPorts[1]) return reserve(r.proto, r.hostIp, r.hostPorts[0], ep);
  const tries = r.hostPorts[0] === 0 ? EPHEMERAL_END - EPHEMERAL_START + 1 : r.hostPorts[1] - r.hostPorts[0] + 1;
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    const port = r.hostPorts[0] === 0 ? cursor.take() : r.hostPorts[0] + i;
    try {
      return await reserve(r.proto, r.hostIp, port, ep);
    } catch (err) {
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
      const res = await reserveOne(r, cursor, ep);
      held.reservations.push(res);
      held.ports.push({ proto: r.proto, containerPort: r.containerPort, hostIp: r.hostIp, hostPort: res.port });
    }
  } catch (err) {
    await releasePorts(held, null, '', '');
    throw err;
  }
  return held;
}

export function portRulesOf(ipt: Iptables, ports: PublishedPort[], bridge: string, containerIp: string): Rule[] {
  return ports.flatMap((p) => ipt.portRules({ bridge, proto: p.proto, hostIp: p.hostIp, hostPort: p.hostPort, containerIp, containerPort: p.containerPort }));
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
