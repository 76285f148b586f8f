import { InvalidParameter } from '../engine/errors.js';

export const DEFAULT_UNIX_SOCKET = '/var/run/berth.sock';
export const DEFAULT_TCP_PORT = 2375;

/** One `-H` address, parsed. */
export type HostSpec =
  | { kind: 'unix'; path: string }
  /** `host` is '' for all addresses (`tcp://:2375`). */
  | { kind: 'tcp'; host: string; port: number }
  /** systemd socket activation: one inherited socket by number, or all of them (`fd://`). */
  | { kind: 'fd'; fd: number | 'all' };

/**
 * Parse a `-H/--host` value as dockerd's opts.ParseHost does: `unix://PATH` (the
 * default socket when PATH is empty), `tcp://HOST:PORT` (port 2375 when missing,
 * all addresses when HOST is empty), `fd://` or `fd://N`. A bare `tcp://` means
 * localhost, as it does for dockerd.
 */
export function parseHost(spec: string): HostSpec {
  const s = spec.trim();
  const sep = s.indexOf('://');
  if (sep < 0) throw new InvalidParameter(`Invalid bind address format: ${spec}`);
  const scheme = s.slice(0, sep).toLowerCase();
  const rest = s.slice(sep + 3);
  switch (scheme) {
    case 'unix':
      return { kind: 'unix', path: rest === '' ? DEFAULT_UNIX_SOCKET : rest };
    case 'tcp':
      return parseTcp(spec, rest);
    case 'fd': {
      if (rest === '') return { kind: 'fd', fd: 'all' };
      if (!/^\d+$/.test(rest)) throw new InvalidParameter(`Invalid bind address format: ${spec}`);
      return { kind: 'fd', fd: Number(rest) };
    }
    default:
      throw new InvalidParameter(`Invalid bind address format: ${spec}`);
  }
}

function parseTcp(spec: string, rest: string): HostSpec {
  if (rest === '') return { kind: 'tcp', host: '127.0.0.1', port: DEFAULT_TCP_PORT };
  if (/[/?#]/.test(rest)) throw new InvalidParameter(`Invalid bind address format: ${spec}`);
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([^\]]*)\](?::(.*))?$/.exec(rest);
  if (v6) {
    host = v6[1]!;
    portText = v6[2];
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon >= 0 && rest.indexOf(':') !== colon) throw new InvalidParameter(`Invalid bind address format: ${spec}`);
    host = colon < 0 ? rest : rest.slice(0, colon);
    portText = colon < 0 ? undefined : rest.slice(colon + 1);
  }
  let port = DEFAULT_TCP_PORT;
  if (portText !== undefined && portText !== '') {
    if (!/^\d+$/.test(portText) || Number(portText) > 65535) throw new InvalidParameter(`Invalid bind address format: ${spec}`);
    port = Number(portText);
  }
  return { kind: 'tcp', host, port };
}

/** Whether a TCP listen address is reachable only from this host. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The spec back as a string, for log lines and messages. */
export function formatHost(h: HostSpec): string {
  if (h.kind === 'unix') return `unix://${h.path}`;
  if (h.kind === 'fd') return h.fd === 'all' ? 'fd://' : `fd://${h.fd}`;
  return `tcp://${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port}`;
}
