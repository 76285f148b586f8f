import { lookup } from 'node:dns/promises';
import { readdir, readFile } from 'node:fs/promises';
import { BlockList, isIP } from 'node:net';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { InvalidParameter } from '../../engine/errors.js';
import { DEFAULT_DOMAIN } from '../reference.js';
import type { RegistrySettings } from './types.js';

/**
 * Where a registry is reached, as dockerd chooses it (registry/service_v2.go):
 *  - docker.io: each `--registry-mirror` first (pulls only), then registry-1.docker.io;
 *  - a host listed in `--insecure-registry`, or whose address falls in an insecure
 *    CIDR (127.0.0.0/8 always is): HTTPS without verification, then plain HTTP;
 *  - anything else: HTTPS, verified against the system roots plus the CAs in
 *    `<certs dir>/<host>/*.crt`, with the client pair `*.cert` + `*.key` if present.
 */
export interface Endpoint {
  /** `https://host:port` (no trailing slash). */
  base: string;
  /** The registry host as the reference names it (`docker.io`, `localhost:5000`). */
  host: string;
  mirror: boolean;
  tls?: { ca?: string[]; cert?: string; key?: string; rejectUnauthorized: boolean };
}

const DOCKER_HUB = 'https://registry-1.docker.io';

/** The endpoints to try for `host`, in order. `forPull` lets docker.io mirrors in. */
export async function endpointsFor(host: string, settings: RegistrySettings, forPull: boolean): Promise<Endpoint[]> {
  if (host === DEFAULT_DOMAIN || host === 'index.docker.io') {
    const out: Endpoint[] = [];
    if (forPull) for (const m of settings.registryMirrors) out.push(await mirrorEndpoint(m, settings));
    out.push({ base: DOCKER_HUB, host: DEFAULT_DOMAIN, mirror: false, tls: await tlsFor('docker.io', settings, true) });
    return out;
  }
  if (await isInsecure(host, settings.insecureRegistries)) {
    return [
      { base: `https://${host}`, host, mirror: false, tls: await tlsFor(host, settings, false) },
      { base: `http://${host}`, host, mirror: false },
    ];
  }
  return [{ base: `https://${host}`, host, mirror: false, tls: await tlsFor(host, settings, true) }];
}

async function mirrorEndpoint(mirror: string, settings: RegistrySettings): Promise<Endpoint> {
  let u: URL;
  try {
    u = new URL(mirror);
  } catch {
    throw new InvalidParameter(`invalid mirror: "${mirror}" is not a valid URI`);
  }
  const base = `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
  if (u.protocol === 'http:') return { base, host: DEFAULT_DOMAIN, mirror: true };
  const secure = !(await isInsecure(u.host, settings.insecureRegistries));
  return { base, host: DEFAULT_DOMAIN, mirror: true, tls: await tlsFor(u.host, settings, secure) };
}

/** `--insecure-registry` entries are `host[:port]` names or CIDRs; loopback is always insecure. */
export async function isInsecure(host: string, insecure: readonly string[]): Promise<boolean> {
  const blocks = new BlockList();
  blocks.addSubnet('127.0.0.0', 8, 'ipv4');
  blocks.addAddress('::1', 'ipv6');
  for (const entry of insecure) {
    const name = entry.replace(/^https?:\/\//, '').replace(/\/+$/, '');
    if (name === host) return true;
    const slash = name.indexOf('/');
    if (slash > 0) {
      const ip = name.slice(0, slash);
      const bits = Number(name.slice(slash + 1));
      const family = isIP(ip);
      if (family && Number.isInteger(bits)) blocks.addSubnet(ip, bits, family === 6 ? 'ipv6' : 'ipv4');
    }
  }
  const hostname = hostnameOf(host);
  if (insecure.includes(hostname)) return true;
  for (const addr of await addresses(hostname)) {
    if (blocks.check(addr, isIP(addr) === 6 ? 'ipv6' : 'ipv4')) return true;
  }
  return false;
}

/** `host:port` → `host`, `[::1]:5000` → `::1`. */
export function hostnameOf(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const colon = host.lastIndexOf(':');
  return colon > 0 && host.indexOf(':') === colon ? host.slice(0, colon) : host;
}

async function addresses(hostname: string): Promise<string[]> {
  if (isIP(hostname)) return [hostname];
  try {
    return (await lookup(hostname, { all: true })).map((a) => a.address);
  } catch {
    // An unresolvable name is not insecure; the connection attempt reports it.
    return [];
  }
}

/** TLS settings for `host` from `<certs dir>/<host>/`: CAs (`*.crt`) and a client pair (`*.cert`, `*.key`). */
async function tlsFor(host: string, settings: RegistrySettings, verify: boolean): Promise<NonNullable<Endpoint['tls']>> {
  const dir = join(settings.certsDir, host);
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch {
    return { rejectUnauthorized: verify };
  }
  const tls: NonNullable<Endpoint['tls']> = { rejectUnauthorized: verify };
  const cas = names.filter((n) => n.endsWith('.crt'));
  if (cas.length) tls.ca = [...rootCertificates, ...(await Promise.all(cas.map((n) => readFile(join(dir, n), 'utf8'))))];
  for (const cert of names.filter((n) => n.endsWith('.cert'))) {
    const key = `${cert.slice(0, -5)}.key`;
    if (!names.includes(key)) throw new InvalidParameter(`missing key ${key} for client certificate ${cert}. CA certificates must use the extension .crt`);
    tls.cert = await readFile(join(dir, cert), 'utf8');
    tls.key = await readFile(join(dir, key), 'utf8');
  }
  return tls;
}
