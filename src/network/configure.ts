/**
 * The network half of `docker create`: the port specs must parse (400); the
 * endpoint the container asks for on its network is recorded as asked. As in
 * dockerd 20.10, an unknown network, a bad --ip or an alias on the default bridge
 * are refused at start (a 404 from create would make the CLI try to pull the image).
 */
import { isIPv6 } from 'node:net';
import { InvalidParameter } from '../engine/errors.js';
import { contains, parseCidr, parseIp } from '../drivers/networkdriver/ipam.js';
import type { PortBindings } from '../drivers/networkdriver/portmapper.js';
import type { ContainerRecord, HostConfig } from '../jobs/containers/types.js';
import type { NetworkController } from './controller.js';
import { modeNetwork } from './names.js';
import { portRequests } from './ports.js';
import type { EndpointConfig, NetworkRecord } from './types.js';

/** EndpointSettings as the API sends it (create's NetworkingConfig, connect's EndpointConfig). */
export interface EndpointSettingsBody {
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] | null } | null;
  Aliases?: string[] | null;
  Links?: string[] | null;
  DriverOpts?: Record<string, string> | null;
  MacAddress?: string;
}

export interface NetworkingConfigBody {
  EndpointsConfig?: Record<string, EndpointSettingsBody | null> | null;
}

/** An endpoint request as recorded. */
export function rawEndpointConfig(body: EndpointSettingsBody | null | undefined): EndpointConfig {
  const ipv4 = body?.IPAMConfig?.IPv4Address || undefined;
  const ipv6 = body?.IPAMConfig?.IPv6Address || undefined;
  const linkLocalIps = body?.IPAMConfig?.LinkLocalIPs ?? [];
  const aliases = (body?.Aliases ?? []).filter((a) => typeof a === 'string' && a !== '');
  const links = body?.Links ?? [];
  const driverOpts = body?.DriverOpts;
  const mac = typeof body?.MacAddress === 'string' && body.MacAddress !== '' ? body.MacAddress : undefined;
  return {
    ...(mac ? { mac } : {}),
    aliases, ...(ipv4 ? { ipv4 } : {}), ...(ipv6 ? { ipv6 } : {}), ...(linkLocalIps.length ? { linkLocalIps: [...linkLocalIps] } : {}),
    ...(links.length ? { links: [...links] } : {}), ...(driverOpts ? { driverOpts: { ...driverOpts } } : {}),
  };
}

/** Go's net.IP IsLinkLocalUnicast: 169.254.0.0/16 or fe80::/10. */
function linkLocalUnicast(ip: string): boolean {
  if (ip.includes(':')) return isIPv6(ip) && /^fe[89ab][0-9a-f]:/i.test(ip);
  try {
    return contains(parseCidr('169.254.0.0/16'), parseIp(ip));
  } catch {
    return false;
  }
}

/** An endpoint request checked against its network, in dockerd's words. */
export function checkEndpoint(n: NetworkRecord, config: EndpointConfig): EndpointConfig {
  const { ipv4, ipv6, aliases } = config;
  if (n.predefined && (ipv4 || ipv6)) throw new InvalidParameter('user specified IP address is supported on user defined networks only');
  if (n.predefined && aliases.length) throw new InvalidParameter('network-scoped alias is supported only for containers in user defined networks');
  if (ipv4) {
    if (!n.bridge?.userSubnet) throw new InvalidParameter('user specified IP address is supported only when connecting to networks with user configured subnets');
    if (!contains(parseCidr(n.bridge.subnet), parseIp(ipv4))) {
      throw new InvalidParameter(`Invalid address ${ipv4}: It does not belong to any of this network's subnets`);
    }
  }
  if (ipv6 && !n.IPAM.Config.some((e) => (e.Subnet ?? '').includes(':'))) {
    throw new InvalidParameter('user specified IP address is supported only when connecting to networks with user configured subnets');
  }
  // dockerd: a 500 with these words; bad input, so a 400 here.
  for (const ip of config.linkLocalIps ?? []) if (!linkLocalUnicast(ip)) throw new InvalidParameter(`invalid link local IP address: ${ip}`);
  return config;
}

export function endpointConfig(n: NetworkRecord, body: EndpointSettingsBody | null | undefined): EndpointConfig {
  return checkEndpoint(n, rawEndpointConfig(body));
}

function endpointBody(networking: NetworkingConfigBody | undefined, mode: string, n: NetworkRecord): EndpointSettingsBody | null | undefined {
  const all = networking?.EndpointsConfig ?? {};
  return all[mode] ?? all[n.Name] ?? all[n.Id];
}

/**
 * The checks dockerd 20.10 makes of a create's request before it looks up the image
 * (validatePortBindings, then verifyNetworkingConfig: one network at create, API <
 * 1.44, each with settings), so a bad request is refused as such, not answered "No
 * such image" (which sends the CLI off to pull).
 */
export function verifyCreateRequest(h: HostConfig, networking: NetworkingConfigBody | undefined): void {
  portRequests(h['PortBindings'] as PortBindings | undefined, undefined, false, '0.0.0.0');
  const asked = Object.keys(networking?.EndpointsConfig ?? {});
  if (asked.length > 1) throw new InvalidParameter(`Container cannot be connected to network endpoints: ${asked.join(', ')}`);
  for (const k of asked) if (networking!.EndpointsConfig![k] == null) throw new InvalidParameter(`no EndpointSettings for ${k}`);
}

/**
 * What can be refused at create once the image is known (its exposed ports), after
 * verifyCreateRequest; returns the endpoint to record (or null).
 */
export function validateCreate(ctl: NetworkController, h: HostConfig, exposed: Record<string, unknown> | undefined, networking: NetworkingConfigBody | undefined): { network: NetworkRecord; config: EndpointConfig } | null {
  const mode = String(h.NetworkMode ?? 'default');
  portRequests(h['PortBindings'] as PortBindings | undefined, exposed, h['PublishAllPorts'] === true, '0.0.0.0');
  const name = modeNetwork(mode);
  if (!name) return null;
  const n = ctl.find(name);
  if (!n) return null;
  const config = rawEndpointConfig(endpointBody(networking, mode, n));
  // On host or none an endpoint is kept only to show, and refuse at start, an address
  // asked for there (dockerd keeps it in IPAMConfig, then fails the start).
  if (!n.bridge && !config.ipv4 && !config.ipv6) return null;
  return { network: n, config };
}

/** Records the endpoint validateCreate accepted, once the container's row exists. */
export function recordEndpoint(ctl: NetworkController, c: ContainerRecord, ep: { network: NetworkRecord; config: EndpointConfig } | null): void {
  if (ep) ctl.records.saveEndpoint({ containerId: c.Id, networkId: ep.network.Id, config: ep.config });
}
