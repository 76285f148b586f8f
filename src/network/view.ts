/** The network area's API shapes: NetworkResource, EndpointSettings, NetworkSettings, ps Ports. */
import { createHash } from 'node:crypto';
import { goOrder } from '../jobs/containers/config.js';
import { ZERO_TIME } from '../jobs/containers/state.js';
import type { ContainerRecord } from '../jobs/containers/types.js';
import type { NetworkController } from './controller.js';
import { hostOrNone, modeNetwork } from './names.js';
import type { EndpointRecord, NetworkRecord, PublishedPort } from './types.js';

/**
 * IDs dockerd makes at random for each start, derived here from the container and its
 * start time: the sandbox's (kept after the stop, as dockerd keeps it until the next
 * start) and the endpoint of a container on the host's network or none, which has no
 * endpoint record.
 */
function runId(c: ContainerRecord, what: 'sandbox' | 'endpoint'): string {
  return c.State.StartedAt === ZERO_TIME ? '' : createHash('sha256').update(`${what} ${c.Id} ${c.State.StartedAt}`).digest('hex');
}

/** The endpoint ID of a running container on host or none (dockerd's sandbox joins those too), else ''. */
function sharedEndpointId(c: ContainerRecord, n: NetworkRecord): string {
  const mode = String(c.HostConfig.NetworkMode ?? 'default');
  return c.State.Running && hostOrNone(mode) && mode === n.Name ? runId(c, 'endpoint') : '';
}

/** `GET /networks/{id}` (Containers filled) and a row of `GET /networks` (Containers empty). */
export function networkResource(ctl: NetworkController, n: NetworkRecord, withContainers: boolean): Record<string, unknown> {
  const containers: Record<string, unknown> = {};
  if (withContainers && hostOrNone(n.Name)) {
    for (const c of ctl.deps.containers.all()) {
      const EndpointID = sharedEndpointId(c, n);
      if (EndpointID) containers[c.Id] = { Name: c.Name.replace(/^\//, ''), EndpointID, MacAddress: '', IPv4Address: '', IPv6Address: '' };
    }
  }
  if (withContainers) {
    for (const ep of ctl.records.endpointsIn(n.Id)) {
      if (!ep.live) continue;
      const c = ctl.deps.containers.find(ep.containerId);
      containers[ep.containerId] = {
        Name: c ? c.Name.replace(/^\//, '') : '', EndpointID: ep.live.endpointId, MacAddress: ep.live.mac,
        IPv4Address: `${ep.live.address}/${ep.live.prefix}`, IPv6Address: ep.live.v6 ? `${ep.live.v6.address}/${ep.live.v6.prefix}` : '',
      };
    }
  }
  return {
    Name: n.Name, Id: n.Id, Created: n.Created, Scope: 'local', Driver: n.Driver, EnableIPv6: Boolean(n.bridge?.v6),
    IPAM: n.IPAM, Internal: n.Internal, Attachable: n.Attachable, Ingress: false, ConfigFrom: { Network: '' },
    ConfigOnly: false, Containers: containers, Options: n.Options, Labels: n.Labels,
  };
}

/** EndpointSettings of one network in a container's NetworkSettings.Networks. */
export function endpointSettings(c: ContainerRecord, n: NetworkRecord, ep: EndpointRecord | undefined): Record<string, unknown> {
  const live = ep?.live;
  const userDefined = !n.predefined;
  let aliases: string[] | null = ep?.config.aliases.length ? [...ep.config.aliases] : null;
  // dockerd adds the short ID, then the hostname, to the endpoint's aliases when the
  // container starts on the network, each once (a client may already list them: compose
  // does), and keeps them after a stop; compose reconnects a network whose aliases lack the ID.
  if (userDefined && (live || c.State.StartedAt !== ZERO_TIME)) {
    for (const name of [c.Id.slice(0, 12), c.Config.Hostname ?? '']) {
      if (name && !aliases?.includes(name)) aliases = [...(aliases ?? []), name];
    }
  }
  return {
    IPAMConfig: ipamConfig(ep),
    Links: ep?.config.links ? [...ep.config.links] : null,
    Aliases: aliases,
    // As dockerd: empty until the container first starts, then kept after it stops.
    NetworkID: live || c.State.StartedAt !== ZERO_TIME ? n.Id : '',
    EndpointID: live?.endpointId ?? sharedEndpointId(c, n),
    Gateway: live?.gateway ?? '',
    IPAddress: live?.address ?? '',
    IPPrefixLen: live?.prefix ?? 0,
    IPv6Gateway: live?.v6?.gateway ?? '',
    GlobalIPv6Address: live?.v6?.address ?? '',
    GlobalIPv6PrefixLen: live?.v6?.prefix ?? 0,
    // Asked at create or connect, shown so until the start gives the interface its own.
    MacAddress: live?.mac ?? ep?.config.mac ?? '',
    DriverOpts: ep?.config.driverOpts ? goOrder(ep.config.driverOpts) : null,
  };
}

/** EndpointIPAMConfig as asked, its empty fields left out (omitempty); null when nothing was. */
function ipamConfig(ep: EndpointRecord | undefined): Record<string, unknown> | null {
  const { ipv4, ipv6, linkLocalIps } = ep?.config ?? {};
  if (!ipv4 && !ipv6 && !linkLocalIps?.length) return null;
  return { ...(ipv4 ? { IPv4Address: ipv4 } : {}), ...(ipv6 ? { IPv6Address: ipv6 } : {}), ...(linkLocalIps?.length ? { LinkLocalIPs: [...linkLocalIps] } : {}) };
}

/** The container's networks by name: its endpoints, or the network its mode names. */
export function containerNetworks(ctl: NetworkController, c: ContainerRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const eps = ctl.records.endpointsOf(c.Id);
  for (const ep of eps) {
    const n = ctl.records.network(ep.networkId);
    if (n) out[n.Name] = endpointSettings(c, n, ep);
  }
  if (!eps.length && !c.LeftAllNetworks) {
    const name = modeNetwork(String(c.HostConfig.NetworkMode ?? 'default'));
    const n = name ? ctl.find(name) : undefined;
    if (n) out[n.Name] = endpointSettings(c, n, undefined);
  }
  return out;
}

/** `Ports` of inspect: exposed ports (null when unpublished) and bindings, while running. */
export function portMap(c: ContainerRecord, published: PublishedPort[]): Record<string, Array<{ HostIp: string; HostPort: string }> | null> {
  if (!c.State.Running || portless(c)) return {};
  const out: Record<string, Array<{ HostIp: string; HostPort: string }> | null> = {};
  for (const key of Object.keys(c.Config.ExposedPorts ?? {})) out[key.includes('/') ? key : `${key}/tcp`] = null;
  for (const p of published) {
    const key = `${p.containerPort}/${p.proto}`;
    (out[key] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
  }
  return out;
}

/** `Ports` of a `GET /containers/json` row. */
export function portList(c: ContainerRecord, published: PublishedPort[]): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  if (portless(c)) return out;
  const seen = new Set<string>();
  for (const p of published) {
    seen.add(`${p.containerPort}/${p.proto}`);
    out.push({ IP: p.hostIp, PrivatePort: p.containerPort, PublicPort: p.hostPort, Type: p.proto });
  }
  for (const key of Object.keys(c.Config.ExposedPorts ?? {})) {
    const [port, proto = 'tcp'] = key.split('/');
    if (!seen.has(`${port}/${proto}`)) out.push({ PrivatePort: Number(port), Type: proto });
  }
  return out;
}

/**
 * On the host's network or none, dockerd's sandbox has no endpoint that maps ports, so
 * neither inspect nor the list shows the exposed ones.
 */
function portless(c: ContainerRecord): boolean {
  return hostOrNone(String(c.HostConfig.NetworkMode ?? 'default'));
}

/**
 * A running container of a bridge network that was disconnected from every network, or
 * that is only on internal ones: without a gateway endpoint dockerd programs no external
 * connectivity and shows no ports at all, exposed ones included.
 */
export function detached(ctl: NetworkController, c: ContainerRecord): boolean {
  const name = modeNetwork(String(c.HostConfig.NetworkMode ?? 'default'));
  if (!c.State.Running || !name || name === 'host' || name === 'none') return false;
  return !ctl.records.endpointsOf(c.Id).some((e) => e.live && !ctl.records.network(e.networkId)?.Internal);
}

/** The ports a running container published (its primary endpoint's). */
export function publishedOf(ctl: NetworkController, c: ContainerRecord): PublishedPort[] {
  return ctl.records.endpointsOf(c.Id).flatMap((e) => e.live?.ports ?? []);
}

/** NetworkSettings of inspect; the top-level address fields are the default bridge's, as dockerd. */
export function networkSettings(ctl: NetworkController, c: ContainerRecord): Record<string, unknown> {
  const bridgeEp = ctl.records.endpointsOf(c.Id).find((e) => ctl.records.network(e.networkId)?.predefined && e.live);
  const live = bridgeEp?.live;
  return {
    Bridge: '', SandboxID: runId(c, 'sandbox'), HairpinMode: false, LinkLocalIPv6Address: '', LinkLocalIPv6PrefixLen: 0,
    Ports: detached(ctl, c) ? {} : portMap(c, publishedOf(ctl, c)), SandboxKey: c.State.Running && c.State.Pid ? `/proc/${c.State.Pid}/ns/net` : '',
    SecondaryIPAddresses: null, SecondaryIPv6Addresses: null, EndpointID: live?.endpointId ?? '', Gateway: live?.gateway ?? '',
    GlobalIPv6Address: live?.v6?.address ?? '', GlobalIPv6PrefixLen: live?.v6?.prefix ?? 0, IPAddress: live?.address ?? '', IPPrefixLen: live?.prefix ?? 0,
    IPv6Gateway: live?.v6?.gateway ?? '', MacAddress: live?.mac ?? '', Networks: containerNetworks(ctl, c),
  };
}
