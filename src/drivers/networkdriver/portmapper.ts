/**
 * Published ports: the API's PortBindings parsed into plain mappings, host ports
 * checked (or picked) by binding them, as dockerd's port allocator effectively does.
 */
import { createServer, type Server } from 'node:net';
import { createSocket } from 'node:dgram';
import { InvalidParameter, System } from '../../engine/errors.js';

/** sctp is taken (parsed, shown) but never published: Node has no SCTP sockets to hold or proxy the port. */
export type Proto = 'tcp' | 'udp' | 'sctp';

export interface PortMapping {
  proto: Proto;
  containerPort: number;
  hostIp: string;
  /** 0 until an ephemeral port is chosen. */
  hostPort: number;
}

/** `{"80/tcp":[{"HostIp":"","HostPort":"8080"}]}`; the CLI has already expanded ranges. */
export type PortBindings = Record<string, Array<{ HostIp?: string; HostPort?: string }> | null>;

function port(text: string, what: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new InvalidParameter(`Invalid ${what}: ${text}`);
  return Number(text);
}

export function parsePortBindings(bindings: PortBindings, defaultHostIp = '0.0.0.0'): PortMapping[] {
  const out: PortMapping[] = [];
  for (const [key, list] of Object.entries(bindings)) {
    const m = /^(\d+)(?:\/(tcp|udp|sctp))?$/.exec(key);
    if (!m) throw new InvalidParameter(`invalid port specification: "${key}"`);
    const proto = (m[2] ?? 'tcp') as Proto | 'sctp';
    if (proto === 'sctp') throw new InvalidParameter('sctp ports are not supported by berth');
    const containerPort = port(m[1]!, 'containerPort');
    for (const b of list && list.length ? list : [{}]) {
      const hostIp = b.HostIp || defaultHostIp;
      out.push({ proto, containerPort, hostIp, hostPort: b.HostPort ? port(b.HostPort, 'hostPort') : 0 });
    }
  }
  return out;
}

/** A socket bound to the host port: it both proves the port free and reserves it. */
export interface Reservation {
  port: number;
  close(): Promise<void>;
}

export function portInUse(endpoint: { name: string; id: string }, hostIp: string, hostPort: number): System {
  return new System(`driver failed programming external connectivity on endpoint ${endpoint.name} (${endpoint.id}): Bind for ${hostIp}:${hostPort} failed: port is already allocated`);
}

/** An IPv6 host address (`::`): bound IPv6-only, beside the IPv4 socket of the same port. */
export function isV6(hostIp: string): boolean {
  return hostIp.includes(':');
}

/**
 * Binds hostIp:hostPort (0 = let the kernel pick from its ephemeral range). The
 * caller keeps the reservation until the proxy takes the port over, or closes it.
 * A failure is dockerd's "port is already allocated", the socket error as its cause.
 */
export function reserve(proto: Proto, hostIp: string, hostPort: number, endpoint: { name: string; id: string }): Promise<Reservation> {
  const v6 = isV6(hostIp);
  // dockerd's words where its proxy cannot open an SCTP socket (a kernel without SCTP).
  if (proto === 'sctp') {
    return Promise.reject(new System(`driver failed programming external connectivity on endpoint ${endpoint.name} (${endpoint.id}): Error starting userland proxy: protocol not supported`));
  }
  return new Promise((resolve, reject) => {
    const fail = (err: Error): void => reject(new System(portInUse(endpoint, hostIp, hostPort).message, { cause: err }));
    if (proto === 'udp') {
      const s = createSocket({ type: v6 ? 'udp6' : 'udp4', ipv6Only: v6 });
      s.once('error', fail);
      s.bind(hostPort, hostIp, () => {
        s.off('error', fail);
        resolve({ port: s.address().port, close: () => new Promise((r) => s.close(() => r())) });
      });
      return;
    }
    const srv: Server = createServer();
    srv.once('error', fail);
    srv.listen({ port: hostPort, host: hostIp, exclusive: true, ipv6Only: v6 }, () => {
      srv.off('error', fail);
      const addr = srv.address();
      const p = typeof addr === 'object' && addr ? addr.port : hostPort;
      resolve({ port: p, close: () => new Promise((r) => srv.close(() => r())) });
    });
  });
}

/** The host has no IPv6 (disabled, or no such address): dockerd then skips the `::` binding. */
export function noIpv6(err: unknown): boolean {
  const code = ((err as Error).cause as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL';
}
