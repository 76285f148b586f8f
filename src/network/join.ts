/**
 * A container joins its networks at start and leaves them at exit: an address
 * lease (persisted first), its ports reserved before the process exists (so a port
 * in use fails the start with nothing made), then, once the init sits in its new
 * network namespace, a veth per network, the port rules and proxies, and its names
 * in the networks' DNS.
 *
 * As in dockerd (libnetwork's endpoint heap), a container's endpoints are ordered
 * non-internal first, then by network name: the first is eth0, and the first
 * non-internal one is the *gateway endpoint*, which holds the default route and
 * the published ports. A connect or disconnect that changes it moves both.
 */
import { randomBytes } from 'node:crypto';
import { Allocator, macFor, parseCidr } from '../drivers/networkdriver/ipam.js';
import { allocate6, parseCidr6 } from '../drivers/networkdriver/ipam6.js';
import { System } from '../engine/errors.js';
import type { PortBindings } from '../drivers/networkdriver/portmapper.js';
import type { ContainerRecord } from '../jobs/containers/types.js';
import { auxAddressesOf } from './aux-addresses.js';
import { checkEndpoint } from './configure.js';
import type { NetworkController } from './controller.js';
import { hostOrNone, modeNetwork } from './names.js';
import { addHostsLine } from './hosts-file.js';
import { activatePorts, portRequests, releasePorts, reservePorts, type PortRequest } from './ports.js';
import type { EndpointRecord, LiveEndpoint, NetworkRecord } from './types.js';
import { addIpv6, addLinkLocal, plugVeth, setDefaultRoute, unplugVeth } from './veth.js';

/** What the container's /etc/hosts and /etc/resolv.conf need to know. */
export interface NetFiles {
  /** Its addresses, one per network in join order (none with --network none). */
  ips?: string[];
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
  if (primary && primary !== 'host' && primary !== 'none' && !eps.length && !c.LeftAllNetworks) {
    // With -b none there is no default network: such a container gets only loopback.
    const n = mode === 'default' && !ctl.find('bridge') ? undefined : ctl.get(primary); // NotFound `network X not found`, at start as dockerd
    if (n?.bridge) {
      ctl.records.saveEndpoint({ containerId: c.Id, networkId: n.Id, config: { aliases: [] } });
      eps = ctl.records.endpointsOf(c.Id);
    }
  }
  for (const e of eps) checkEndpoint(ctl.byId(e.networkId), e.config);
  return eps.filter((e) => ctl.records.network(e.networkId)?.bridge);
}

/** libnetwork's endpoint order: non-internal networks first, then by network name. */
export function joinOrder(ctl: NetworkController, eps: EndpointRecord[]): EndpointRecord[] {
  const key = (e: EndpointRecord): [number, string] => {
    const n = ctl.records.network(e.networkId);
    return [n?.Internal ? 1 : 0, n?.Name ?? ''];
  };
  return [...eps].sort((a, b) => {
    const [ia, na] = key(a);
    const [ib, nb] = key(b);
    return ia - ib || (na < nb ? -1 : na > nb ? 1 : 0);
  });
}

/** The endpoint that gives the container its default route and published ports. */
export function gatewayEndpoint(ctl: NetworkController, eps: EndpointRecord[]): EndpointRecord | undefined {
  return joinOrder(ctl, eps).find((e) => !ctl.records.network(e.networkId)?.Internal);
}

function liveEndpoints(ctl: NetworkController, containerId: string): EndpointRecord[] {
  return ctl.records.endpointsOf(containerId).filter((e) => e.live);
}

/** The addresses a live endpoint answers on: its IPv4 one, and its IPv6 one on a network with IPv6. */
export function liveAddresses(live: LiveEndpoint): string[] {
  return live.v6 ? [live.address, live.v6.address] : [live.address];
}

/** The names a container answers to on a user-defined network: name, aliases, short id, hostname (dockerd's aliases). */
export function dnsNames(c: ContainerRecord, ep: EndpointRecord): string[] {
  const names = [c.Name.replace(/^\//, ''), ...ep.config.aliases, c.Id.slice(0, 12)];
  const host = c.Config.Hostname;
  return host && !names.includes(host) ? [...names, host] : names;
}

function allocator(ctl: NetworkController, n: NetworkRecord): Allocator {
  const b = n.bridge!;
  const allocated = [...ctl.records.endpointsIn(n.Id).flatMap((e) => (e.live ? [e.live.address] : [])), ...auxAddressesOf(n)];
  return new Allocator({ subnet: b.subnet, gateway: b.gateway, ...(b.range ? { range: b.range } : {}), allocated }, n.Name);
}

/**
 * Config.MacAddress (compose's mac_address, run --mac-address), for the endpoint on the
 * network NetworkMode names only, as dockerd's buildCreateEndpointOptions uses it.
 */
function requestedMac(c: ContainerRecord, n: NetworkRecord): string | undefined {
  const mac = c.Config['MacAddress'];
  if (typeof mac !== 'string' || mac === '') return undefined;
  const primary = modeNetwork(String(c.HostConfig.NetworkMode ?? 'default'));
  return primary === n.Name || primary === n.Id ? parseMac(mac) : undefined;
}

/** Go's net.ParseMAC for 48-bit addresses (aa:bb:.., aa-bb-.., aabb.ccdd.eeff), printed as Go prints it. */
function parseMac(mac: string): string {
  const hex = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i.test(mac) ? mac.replace(/[:-]/g, '')
    : /^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/i.test(mac) ? mac.replace(/\./g, '') : '';
  // dockerd fails the start (a 500) in Go's words.
  if (!hex) throw new System(`address ${mac}: invalid MAC address`);
  return hex.toLowerCase().match(/../g)!.join(':');
}

/** Leases an address on `n` for `ep` and records it (the lease is the row's address). */
function lease(ctl: NetworkController, c: ContainerRecord, n: NetworkRecord, ep: EndpointRecord, ifname: string): LiveEndpoint {
  const b = n.bridge!;
  const address = allocator(ctl, n).allocate(ep.config.ipv4);
  const live: LiveEndpoint = {
    endpointId: randomBytes(32).toString('hex'), address, prefix: parseCidr(b.subnet).prefix, gateway: b.gateway,
    mac: (ep.config.mac ? parseMac(ep.config.mac) : undefined) ?? requestedMac(c, n) ?? macFor(address), ifname, ports: [],
  };
  if (b.v6) {
    const taken = ctl.records.endpointsIn(n.Id).flatMap((e) => (e.live?.v6 ? [e.live.v6.address] : []));
    live.v6 = { address: allocate6(b.v6, taken, ep.config.ipv6), prefix: parseCidr6(b.v6.subnet).prefix, gateway: b.v6.gateway };
  }
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
    // IPv6 stays on for a network with IPv6, or an IPv6 link-local address asked for; else off, as dockerd.
    ...(live.v6 || ep.config.linkLocalIps?.some((ip) => ip.includes(':')) ? { ipv6: true } : {}),
  });
  ctl.records.saveEndpoint(ep);
  if (live.v6) await addIpv6(pid, live.ifname, live.v6, route && !n.Internal);
  if (ep.config.linkLocalIps?.length) await addLinkLocal(pid, live.ifname, ep.config.linkLocalIps);
  const dns = ctl.dns.get(n.Id);
  if (dns) for (const name of dnsNames(c, ep)) for (const ip of liveAddresses(live)) dns.register(name, ip);
  publishJoin(ctl, c.Id, n, 'connect');
}

/** The container's port requests as published on network `n` (its host binding address). */
function requestsOn(ctl: NetworkController, c: ContainerRecord, n: NetworkRecord): PortRequest[] {
  const h = c.HostConfig;
  return portRequests(h['PortBindings'] as PortBindings | undefined, c.Config.ExposedPorts as Record<string, unknown> | undefined,
    h['PublishAllPorts'] === true, n.bridge!.hostBindingIp, ctl.config.userlandProxy);
}

/** Reserves the container's host ports for endpoint `ep` (its gateway endpoint); recorded on it. */
async function reserveFor(ctl: NetworkController, c: ContainerRecord, ep: EndpointRecord): Promise<void> {
  const reqs = requestsOn(ctl, c, ctl.byId(ep.networkId));
  if (!reqs.length) return;
  const held = await reservePorts(reqs, ctl.cursor, { name: c.Name.replace(/^\//, ''), id: ep.live!.endpointId });
  ctl.ports.set(c.Id, held);
  ep.live!.ports = held.ports;
  ctl.records.saveEndpoint(ep);
}

/** The reserved ports of `ep` go live: rules and proxies towards its address. */
async function activateFor(ctl: NetworkController, c: ContainerRecord, ep: EndpointRecord): Promise<void> {
  const held = ctl.ports.get(c.Id);
  if (!held || !ep.live?.ports.length) return;
  await activatePorts(held, ctl.ipt, ctl.config.userlandProxy, ctl.byId(ep.networkId).bridge!.device, ep.live.address);
}

/**
 * The host's network or none, for a container in that mode. They have no endpoint
 * records here, but dockerd's sandbox joins them all the same, and says so in events.
 */
function sharedNetwork(ctl: NetworkController, c: ContainerRecord): NetworkRecord | undefined {
  const mode = String(c.HostConfig.NetworkMode ?? 'default');
  return hostOrNone(mode) ? ctl.find(mode) : undefined;
}

/** Containers this daemon joined to host or none (for their disconnect event). */
const sharedJoins = new WeakMap<NetworkController, Set<string>>();
function joinedShared(ctl: NetworkController): Set<string> {
  let set = sharedJoins.get(ctl);
  if (!set) sharedJoins.set(ctl, (set = new Set()));
  return set;
}

/** A network connect or disconnect event, as dockerd's for a container joining or leaving `n`. */
export function publishJoin(ctl: NetworkController, containerId: string, n: NetworkRecord, action: 'connect' | 'disconnect'): void {
  ctl.deps.events.publish({ Type: 'network', Action: action, id: n.Id, attributes: { container: containerId, name: n.Name, type: n.Driver } });
}

/** Leases, ports and (in attach) links for a container about to start. */
export async function prepare(ctl: NetworkController, c: ContainerRecord): Promise<PreparedNet> {
  const eps = joinOrder(ctl, ensureEndpoints(ctl, c));
  const prepared: PreparedNet = { files: {}, attach: async () => undefined, abort: () => release(ctl, c.Id) };
  if (!eps.length) {
    const shared = sharedNetwork(ctl, c);
    if (shared) prepared.attach = async () => { joinedShared(ctl).add(c.Id); publishJoin(ctl, c.Id, shared, 'connect'); };
    return prepared;
  }
  const gw = gatewayEndpoint(ctl, eps);
  try {
    eps.forEach((ep, i) => lease(ctl, c, ctl.byId(ep.networkId), ep, `eth${i}`));
    if (gw) await reserveFor(ctl, c, gw);
    const dnsNet = eps.map((e) => ctl.byId(e.networkId)).find((n) => n.bridge!.dns);
    prepared.files = { ips: eps.flatMap((e) => liveAddresses(e.live!)), ...(dnsNet ? { dnsServer: dnsNet.bridge!.gateway } : {}) };
  } catch (err) {
    await release(ctl, c.Id);
    throw err;
  }
  prepared.attach = async (pid) => {
    for (const ep of eps) await plug(ctl, c, ctl.byId(ep.networkId), ep, pid, ep === gw);
    if (gw) await activateFor(ctl, c, gw);
  };
  return prepared;
}

/** One endpoint's live part undone: its ports (if it holds them), DNS names, the veth, the lease. */
export async function leave(ctl: NetworkController, c: ContainerRecord | undefined, ep: EndpointRecord): Promise<void> {
  const live = ep.live;
  if (!live) return;
  const n = ctl.records.network(ep.networkId);
  const b = n?.bridge;
  if (live.ports.length) {
    // In memory while the daemon ran the start; after a daemon restart only the record says.
    const held = ctl.ports.get(ep.containerId) ?? { ports: live.ports, reservations: [], proxies: [] };
    ctl.ports.delete(ep.containerId);
    if (b) {
      await releasePorts(held, ctl.ipt, b.device, live.address)
        .catch((e: Error) => ctl.log.warn(`container ${ep.containerId}: releasing its ports: ${e.message}`));
    }
  }
  const dns = n ? ctl.dns.get(n.Id) : undefined;
  if (dns && c) for (const name of dnsNames(c, ep)) for (const ip of liveAddresses(live)) dns.unregister(name, ip);
  if (live.veth) await unplugVeth(live.veth).catch((e: Error) => ctl.log.warn(`container ${ep.containerId}: removing ${live.veth}: ${e.message}`));
  delete ep.live;
  ctl.records.saveEndpoint(ep);
  if (n && live.veth) publishJoin(ctl, ep.containerId, n, 'disconnect');
}

/** A container stopped (or never started): every endpoint leaves; the config stays. */
export async function release(ctl: NetworkController, containerId: string): Promise<void> {
  const c = ctl.deps.containers.find(containerId);
  const shared = c && joinedShared(ctl).delete(containerId) ? sharedNetwork(ctl, c) : undefined;
  if (shared) publishJoin(ctl, containerId, shared, 'disconnect');
  for (const ep of ctl.records.endpointsOf(containerId)) await leave(ctl, c, ep);
  const held = ctl.ports.get(containerId);
  ctl.ports.delete(containerId);
  if (held) await releasePorts(held, null, '', ''); // reserved, never recorded on an endpoint
}

/**
 * The gateway endpoint of a running container changed from `from` to `to` (either
 * may be absent): the default route follows, and the published ports are let go on
 * `from` and published again on `to`, as dockerd revokes and programs external
 * connectivity (ephemeral host ports are chosen anew, as there). A port that cannot
 * be had again is logged, as dockerd logs it, and the container keeps running.
 */
async function moveGateway(ctl: NetworkController, c: ContainerRecord, from: EndpointRecord | undefined, to: EndpointRecord | undefined, pid: number): Promise<void> {
  if (from?.live) {
    const n = ctl.byId(from.networkId);
    const held = ctl.ports.get(c.Id) ?? { ports: from.live.ports, reservations: [], proxies: [] };
    ctl.ports.delete(c.Id);
    await releasePorts(held, ctl.ipt, n.bridge!.device, from.live.address)
      .catch((e: Error) => ctl.log.warn(`container ${c.Id}: releasing its ports: ${e.message}`));
    from.live.ports = [];
    ctl.records.saveEndpoint(from);
  }
  if (!to?.live) return;
  await setDefaultRoute(pid, to.live.gateway, to.live.ifname);
  try {
    await reserveFor(ctl, c, to);
    await activateFor(ctl, c, to);
  } catch (err) {
    ctl.log.warn(`container ${c.Id}: driver failed programming external connectivity on endpoint ${c.Name.replace(/^\//, '')}: ${(err as Error).message}`);
    const held = ctl.ports.get(c.Id);
    ctl.ports.delete(c.Id);
    if (held) await releasePorts(held, ctl.ipt, ctl.byId(to.networkId).bridge!.device, to.live.address).catch(() => undefined);
    to.live.ports = [];
    ctl.records.saveEndpoint(to);
  }
}

/** `network connect` on a running container: one more endpoint, plugged at once. */
export async function joinLive(ctl: NetworkController, c: ContainerRecord, n: NetworkRecord, ep: EndpointRecord, pid: number): Promise<void> {
  const before = gatewayEndpoint(ctl, liveEndpoints(ctl, c.Id));
  const used = new Set(liveEndpoints(ctl, c.Id).map((e) => e.live!.ifname));
  let i = 0;
  while (used.has(`eth${i}`)) i++;
  lease(ctl, c, n, ep, `eth${i}`);
  try {
    await plug(ctl, c, n, ep, pid, false);
    await addHostsLine(ctl, c, ep.live!.address);
    const after = gatewayEndpoint(ctl, liveEndpoints(ctl, c.Id));
    if (after !== before) await moveGateway(ctl, c, before, after, pid);
  } catch (err) {
    await leave(ctl, c, ep);
    throw err;
  }
}

/**
 * `network disconnect` of a running container: the endpoint leaves; if it was the
 * gateway endpoint, the next one (if any) takes the default route and the ports.
 */
export async function leaveLive(ctl: NetworkController, c: ContainerRecord, ep: EndpointRecord, pid: number | null): Promise<void> {
  const wasGateway = gatewayEndpoint(ctl, liveEndpoints(ctl, c.Id)) === ep;
  await leave(ctl, c, ep);
  if (pid === null || !wasGateway) return;
  const next = gatewayEndpoint(ctl, liveEndpoints(ctl, c.Id).filter((e) => e !== ep));
  await moveGateway(ctl, c, undefined, next, pid);
}
