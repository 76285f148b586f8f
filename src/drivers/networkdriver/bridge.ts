/**
 * Links: the bridge a network lives on, and the veth pair that plugs a container's
 * network namespace into it. The namespace is entered with nsenter on
 * /proc/<pid>/ns/net (see exec.ts), so there is no named netns to clean up.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { ipInNs, run, succeeds } from './exec.js';

export interface BridgeSpec {
  name: string;
  /** Gateway address given to the bridge itself. */
  gateway: string;
  prefix: number;
  mtu?: number;
  /** A network with IPv6: the bridge holds the IPv6 gateway too. */
  v6?: { gateway: string; prefix: number };
}

export async function linkExists(name: string): Promise<boolean> {
  return succeeds('ip', ['link', 'show', 'dev', name]);
}

/**
 * Creates the bridge if it is not there (a restart finds it already made) and makes
 * sure it carries the gateway address and is up. Returns whether berth created it now,
 * which the caller persists: only a bridge berth made is ever deleted.
 */
export async function ensureBridge(spec: BridgeSpec): Promise<boolean> {
  let created = false;
  if (!(await linkExists(spec.name))) {
    await run('ip', ['link', 'add', 'name', spec.name, 'type', 'bridge']);
    created = true;
  }
  if (spec.mtu) await run('ip', ['link', 'set', 'dev', spec.name, 'mtu', String(spec.mtu)]);
  const addrs = (await run('ip', ['-4', '-o', 'addr', 'show', 'dev', spec.name])).stdout;
  if (!addrs.includes(` ${spec.gateway}/${spec.prefix} `)) {
    await run('ip', ['addr', 'add', `${spec.gateway}/${spec.prefix}`, 'dev', spec.name]);
  }
  if (spec.v6) {
    const addrs6 = (await run('ip', ['-6', '-o', 'addr', 'show', 'dev', spec.name])).stdout;
    if (!addrs6.includes(` ${spec.v6.gateway}/${spec.v6.prefix} `)) {
      await run('ip', ['-6', 'addr', 'add', `${spec.v6.gateway}/${spec.v6.prefix}`, 'dev', spec.name, 'nodad']);
    }
  }
  await run('ip', ['link', 'set', 'dev', spec.name, 'up']);
  return created;
}

/** Deletes the bridge only when berth created it (`createdByBerth` is the persisted fact). */
export async function deleteBridge(name: string, createdByBerth: boolean): Promise<void> {
  if (!createdByBerth) return;
  if (await linkExists(name)) await run('ip', ['link', 'del', 'dev', name]);
}

export interface VethSpec {
  ifname: string;
  address: string;
  prefix: number;
  gateway?: string;
  mac: string;
  mtu?: number;
  /** Reflect frames back out of the port they came in (needed for hairpin NAT without the proxy). */
  hairpin?: boolean;
  /** Keep IPv6 on the interface; without it IPv6 is switched off there, as dockerd on IPv4-only networks. */
  ipv6?: boolean;
}

/** dockerd names host ends `veth` + 7 hex characters; berth does the same. */
export function vethName(): string {
  return 'veth' + randomBytes(4).toString('hex').slice(0, 7);
}

/**
 * Plugs the network namespace of `pid` into `bridge`: host end on the bridge, peer
 * renamed to spec.ifname inside with the address, MAC and default route. Returns the
 * host-side name. On failure the pair is deleted so nothing is left half-made.
 */
export async function setupVeth(bridge: string, pid: number, spec: VethSpec): Promise<string> {
  const host = vethName();
  // The peer gets a temporary unique name too: `eth0` may exist on the host.
  const peer = 'vp' + host.slice(4);
  await run('ip', ['link', 'add', 'name', host, ...(spec.mtu ? ['mtu', String(spec.mtu)] : []), 'type', 'veth', 'peer', 'name', peer]);
  try {
    await run('ip', ['link', 'set', 'dev', host, 'master', bridge]);
    if (spec.hairpin) await run('ip', ['link', 'set', 'dev', host, 'type', 'bridge_slave', 'hairpin', 'on']);
    await run('ip', ['link', 'set', 'dev', host, 'up']);
    await run('ip', ['link', 'set', 'dev', peer, 'netns', `/proc/${pid}/ns/net`]);
    await ipInNs(pid, ['link', 'set', 'dev', peer, 'name', spec.ifname]);
    await ipInNs(pid, ['link', 'set', 'dev', spec.ifname, 'address', spec.mac]);
    await ipInNs(pid, ['addr', 'add', `${spec.address}/${spec.prefix}`, 'dev', spec.ifname]);
    await ipInNs(pid, ['link', 'set', 'dev', spec.ifname, 'up']);
    await ipInNs(pid, ['link', 'set', 'dev', 'lo', 'up']);
    if (spec.gateway) await ipInNs(pid, ['route', 'add', 'default', 'via', spec.gateway, 'dev', spec.ifname]);
  } catch (err) {
    await teardownVeth(host);
    throw err;
  }
  return host;
}

/** Deleting one end of a veth pair deletes both; a missing link is not an error. */
export async function teardownVeth(hostName: string): Promise<void> {
  if (await linkExists(hostName)) await run('ip', ['link', 'del', 'dev', hostName]);
}

/** net.ipv4.ip_forward=1, as dockerd's --ip-forward does (it is never turned back off). */
export async function enableIpForward(): Promise<void> {
  await writeFile('/proc/sys/net/ipv4/ip_forward', '1\n');
}

/** Loopback clients DNATed to the bridge need route_localnet on it (iptables.ts loopbackRules). */
export async function setRouteLocalnet(bridge: string): Promise<void> {
  await writeFile(`/proc/sys/net/ipv4/conf/${bridge}/route_localnet`, '1\n');
}
