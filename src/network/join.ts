/**
 * A container joins its networks at start and leaves them at exit: an address
 * lease (persisted first), its ports reserved before the process exists (so a port
 * in use fails the start with nothing made), then, once the init sits in its new
 * network namespace, a veth per network, the port rules and proxies, and its names
 * in the networks' DNS.
 */
import { randomBytes } from 'node:crypto';
import { Allocator, macFor, parseCidr } from '../drivers/networkdriver/ipam.js';
import type { PortBindings } from '../drivers/networkdriver/portmapper.js';
import type { ContainerRecord } from '../jobs/containers/types.js';
import { checkEndpoint } from './configure.js';
import type { NetworkController } from './controller.js';
import { modeNetwork } from './names.js';
import { activatePorts, portRequests, releasePorts, reservePorts, type HeldPorts } from './ports.js';
import type { EndpointRecord, LiveEndpoint, NetworkRecord } from './types.js';
import { plugVeth, unplugVeth } from './veth.js';

/** What the container's /etc/hosts and /etc/resolv.conf need to know. */
export interface NetFiles {
  /** The address on its primary network (absent with none). */
  ip?: string;
  /** The embedded DNS server, on user-defined networks. */
  dnsServer?: string;
}

export interface PreparedNet {
  files: NetFiles;
  /** Runs in the execdriver's beforeStart: the init exists in its namespaces. */
  attach(pid: number): Promise<void>;
  /** A start that failed: everything prepare and attach made goes. */
  abort(): Promise<void>;
}

/** The endpoint rows of a container, its primary network's made if missing (records older than networking). */
export function ensureEndpoints(ctl: NetworkController, c: ContainerRecord): EndpointRecord[] {
  const mode = String(c.HostConfig.NetworkMode ?? 'default');
  const primary = modeNetwork(mode);
  let eps = ctl.records.endpointsOf(c.Id);
  if (primary && primary !== 'host' && primary !== 'none' && !eps.length) {
    // With -b none there is no default network: such a container gets only loopback.
    const n = mode === 'default' && !ctl.find('bridge') ? undefined : ctl.get(primary); // NotFound `network X not found`, at start as dockerd
    if (n?.bridge) {
      ctl.records.saveEndpoint({ containerId: c.Id, networkId: n.Id, config: { aliases: [] } });
      eps = ctl.records.endpointsOf(c.Id);
    }
  }
  eps = eps.filter((e) => ctl.records.network(e.networkId)?.bridge);
  for (const e of eps) checkEndpoint(ctl.byId(e.networkId), e.config);
  return eps;
}

/** The names a container answers to on a user-defined network: name, aliases, short id. */
export function dnsNames(c: ContainerRecord, ep: EndpointRecord): string[] {
  return [c.Name.replace(/^\//, ''), ...ep.config.aliases, c.Id.slice(0, 12)];
}

function allocator(ctl: NetworkController, n: NetworkRecord): Allocator {
  const b = n.bridge!;
  const allocated = ctl.records.endpointsIn(n.Id).flatMap((e) => (e.live ? [e.live.address] : []));
  return new Allocator({ subnet: b.subnet, gateway: b.gateway, ...(b.range ? { range: b.range } : {}), allocated }, n.Name);
}

/** Leases an address on `n` for `ep` and records it (the lease is the row's address). */
function lease(ctl: NetworkController, n: NetworkRecord, ep: EndpointRecord, ifname: string): LiveEndpoint {
  const b = n.bridge!;
  const address = allocator(ctl, n).allocate(ep.config.ipv4);
  const live: LiveEndpoint = {
    endpointId: randomBytes(32).toString('hex'), address, prefix: parseCidr(b.subnet).prefix, gateway: b.gateway,
    mac: macFor(address), ifname, ports: [],
  };
  ep.live = live;
  ctl.records.saveEndpoint(ep);
  return live;
}

/** Plugs one endpoint into the netns of `pid`; the default route only where `route`. */
async function plug(ctl: NetworkController, c: ContainerRecord, n: NetworkRecord, ep: EndpointRecord, pid: number, route: boolean): Promise<void> {
  const b = n.bridge!;
  const live = ep.live!;
  live.veth = await plugVeth(b.device, pid, {
    ifname: live.ifname, address: live.address, prefix: live.prefix, mac: live.mac, mtu: b.mtu,
    ...(route && !n.Internal ? { gateway: live.gateway } : {}),
  });
  ctl.records.saveEndpoint(ep);
  const dns = ctl.dns.get(n.Id);
  if (dns) for (const name of dnsNames(c, ep)) dns.register(name, live.address);
  ctl.deps.events.publish({ Type: 'network', Action: 'connect', id: n.Id, attributes: { container: c.Id, name: n.Name, type: n.Driver } });
}

/** Leases, ports and (in attach) links for a container about to start. */
export async function prepare(ctl: NetworkController, c: ContainerRecord): Promise<PreparedNet> {
  const eps = ensureEndpoints(ctl, c);
  const prepared: PreparedNet = { files: {}, attach: async () => undefined, abort: () => release(ctl, c.Id) };
  if (!eps.length) return prepared;
  try {
    eps.forEach((ep, i) => lease(ctl, ctl.byId(ep.networkId), ep, `eth${i}`));
    const primary = eps[0]!;
    const pn = ctl.byId(primary.networkId);
    const h = c.HostConfig;
    const reqs = portRequests(h['PortBindings'] as PortBindings | undefined, c.Config.ExposedPorts as Record<string, unknown> | undefined,
      h['PublishAllPorts'] === true, pn.bridge!.hostBindingIp);
    const held = await reservePorts(reqs, ctl.cursor, { name: c.Name.replace(/^\//, ''), id: primary.live!.endpointId });
    ctl.ports.set(c.Id, held);
    primary.live!.ports = held.ports;
    ctl.records.saveEndpoint(primary);
    prepared.files = { ip: primary.live!.address, ...(pn.bridge!.dns ? { dnsServer: pn.bridge!.gateway } : {}) };
  } catch (err) {
    await release(ctl, c.Id);
    throw err;
  }
  prepared.attach = async (pid) => {
    let routed = false;
    for (const ep of eps) {
      const n = ctl.byId(ep.networkId);
      await plug(ctl, c, n, ep, pid, !routed);
      routed ||= !n.Internal;
    }
    const primary = eps[0]!;
    const b = ctl.byId(primary.networkId).bridge!;
    await activatePorts(ctl.ports.get(c.Id)!, ctl.ipt, ctl.config.userlandProxy, b.device, primary.live!.address);
  };
  return prepared;
}

/** One endpoint's live part undone: ports (primary), DNS names, the veth, the lease. */
export async function leave(ctl: NetworkController, c: ContainerRecord | undefined, ep: EndpointRecord, held?: HeldPorts): Promise<void> {
  const live = ep.live;
  if (!live) return;
  const n = ctl.records.network(ep.networkId);
  const b = n?.bridge;
  if (b && (held || live.ports.length)) {
    await releasePorts(held ?? { ports: live.ports, reservations: [], proxies: [] }, ctl.ipt, b.device, live.address)
      .catch((e: Error) => ctl.log.warn(`container ${ep.containerId}: releasing its ports: ${e.message}`));
  }
  const dns = n ? ctl.dns.get(n.Id) : undefined;
  if (dns && c) for (const name of dnsNames(c, ep)) dns.unregister(name, live.address);
  if (live.veth) await unplugVeth(live.veth).catch((e: Error) => ctl.log.warn(`container ${ep.containerId}: removing ${live.veth}: ${e.message}`));
  delete ep.live;
  ctl.records.saveEndpoint(ep);
  if (n && live.veth) ctl.deps.events.publish({ Type: 'network', Action: 'disconnect', id: n.Id, attributes: { container: ep.containerId, name: n.Name, type: n.Driver } });
}

/** A container stopped (or never started): every endpoint leaves; the config stays. */
export async function release(ctl: NetworkController, containerId: string): Promise<void> {
  const c = ctl.deps.containers.find(containerId);
  const held = ctl.ports.get(containerId);
  ctl.ports.delete(containerId);
  const eps = ctl.records.endpointsOf(containerId);
  for (const [i, ep] of eps.entries()) await leave(ctl, c, ep, i === 0 ? held : undefined);
}

/** `network connect` on a running container: one more endpoint, plugged at once. */
export async function joinLive(ctl: NetworkController, c: ContainerRecord, n: NetworkRecord, ep: EndpointRecord, pid: number): Promise<void> {
  const used = new Set(ctl.records.endpointsOf(c.Id).flatMap((e) => (e.live ? [e.live.ifname] : [])));
  let i = 0;
  while (used.has(`eth${i}`)) i++;
  lease(ctl, n, ep, `eth${i}`);
  try {
    const routed = ctl.records.endpointsOf(c.Id).some((e) => e !== ep && e.live && !ctl.records.network(e.networkId)?.Internal);
    await plug(ctl, c, n, ep, pid, !routed);
  } catch (err) {
    await leave(ctl, c, ep);
    throw err;
  }
}
