/**
 * A container's veth pair, made by rtnetlink from the daemon itself (the addon's
 * plugVeth, on the thread pool): no `ip` or `nsenter` is spawned, each of which was a
 * fork+exec of the large daemon process on the start's critical path. The peer is
 * created straight inside the container's namespace under its final name and MAC (no
 * temporary name, no rename, no clash with the host's own eth0), then the address and
 * routes are set on a netlink socket opened in that namespace.
 */
import { System } from '../engine/errors.js';
import { vethName, type VethSpec } from '../drivers/networkdriver/bridge.js';
import { ipInNs } from '../drivers/networkdriver/exec.js';
import * as native from '../libcontainer/native.js';

/** Plugs the netns of `pid` into `bridge`; returns the host end's name. Nothing is left on failure. */
export async function plugVeth(bridge: string, pid: number, spec: VethSpec): Promise<string> {
  const host = vethName();
  try {
    await native.plugVeth({
      host, peer: spec.ifname, bridge, pid, mac: spec.mac, address: spec.address, prefix: spec.prefix,
      ...(spec.mtu ? { mtu: spec.mtu } : {}), ...(spec.gateway ? { gateway: spec.gateway } : {}),
      ...(spec.hairpin ? { hairpin: true } : {}), ...(spec.ipv6 ? { ipv6: true } : {}),
    });
  } catch (err) {
    throw new System(`plugging ${spec.ifname} of process ${pid} into ${bridge}: ${(err as Error).message}`, { cause: err });
  }
  return host;
}

/**
 * The endpoint's IPAMConfig.LinkLocalIPs on its interface, with libnetwork's masks
 * (/16, /64). Rarely asked, so `ip` is spawned for it rather than growing the addon.
 */
export async function addLinkLocal(pid: number, ifname: string, ips: readonly string[]): Promise<void> {
  for (const ip of ips) await ipInNs(pid, ['addr', 'add', `${ip}/${ip.includes(':') ? 64 : 16}`, 'dev', ifname]);
}

/**
 * The endpoint's IPv6 address on a network with IPv6 on, and the IPv6 default route
 * through the network's gateway where the endpoint holds the IPv4 one. `nodad`: the
 * address is the allocator's, unique on the bridge, and usable at once (dockerd's too).
 */
export async function addIpv6(pid: number, ifname: string, v6: { address: string; prefix: number; gateway: string }, route: boolean): Promise<void> {
  await ipInNs(pid, ['-6', 'addr', 'add', `${v6.address}/${v6.prefix}`, 'dev', ifname, 'nodad']);
  if (route) await ipInNs(pid, ['-6', 'route', 'replace', 'default', 'via', v6.gateway, 'dev', ifname]);
}

/**
 * Points the default route of the netns of `pid` at `gateway` on `ifname`: the
 * network that provides external connectivity changed (a connect or disconnect).
 */
export async function setDefaultRoute(pid: number, gateway: string, ifname: string): Promise<void> {
  try {
    await native.replaceDefaultRoute(pid, gateway, ifname);
  } catch (err) {
    throw new System(`default route via ${gateway} dev ${ifname} in process ${pid}: ${(err as Error).message}`, { cause: err });
  }
}

/** Deletes the pair (both ends go); gone already (its namespace ended) is fine. */
export async function unplugVeth(host: string): Promise<void> {
  try {
    await native.deleteLink(host);
  } catch (err) {
    throw new System(`removing ${host}: ${(err as Error).message}`, { cause: err });
  }
}
