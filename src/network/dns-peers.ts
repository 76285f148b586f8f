/**
 * A container's resolv.conf names one network's DNS server (the first with DNS in
 * join order), yet dockerd resolves, for a container on several networks, the names
 * of every network it is on. The server that holds no answer asks this: which
 * container sent the query (by its address on that network), and what its other
 * networks' servers know, in join order. Containers on other networks only are not
 * visible, as in dockerd. The same lookup of the asker gives its own `--dns`
 * servers, where names no network holds are forwarded.
 */
import type { NetworkController } from './controller.js';
import type { EndpointRecord } from './types.js';

function askerOf(ctl: NetworkController, networkId: string, client: string): EndpointRecord | undefined {
  return ctl.records.endpointsIn(networkId).find((ep) => ep.live?.address === client);
}

/**
 * A link of the asker's endpoint (`target:alias` in EndpointSettings.Links, a user-defined
 * network's links) whose alias is `name`: the target's addresses on this network, as
 * libnetwork's sandbox maps a link alias to its target's name for that container only.
 */
function linkTarget(ctl: NetworkController, networkId: string, asker: EndpointRecord, name: string): string[] {
  const want = name.toLowerCase().replace(/\.$/, '');
  for (const link of asker.config.links ?? []) {
    const [target = '', alias = target] = link.split(':');
    if (alias.toLowerCase() === want) return ctl.dns.get(networkId)?.lookup(target.replace(/^\//, '')) ?? [];
  }
  return [];
}

export function peerNames(ctl: NetworkController, networkId: string, name: string, client: string): string[] {
  const asker = askerOf(ctl, networkId, client);
  if (!asker) return [];
  const linked = linkTarget(ctl, networkId, asker, name);
  if (linked.length) return linked;
  for (const ep of ctl.records.endpointsOf(asker.containerId)) {
    if (ep.networkId === networkId || !ep.live) continue;
    const ips = ctl.dns.get(ep.networkId)?.lookup(name) ?? [];
    if (ips.length) return ips;
  }
  return [];
}

/** The `--dns` servers the asking container was given (IPv4 ones: the server forwards over udp4). */
export function ownServers(ctl: NetworkController, networkId: string, client: string): string[] {
  const asker = askerOf(ctl, networkId, client);
  const dns = asker ? ctl.deps.containers.find(asker.containerId)?.HostConfig['Dns'] : undefined;
  return Array.isArray(dns) ? (dns as string[]).filter((s) => !s.includes(':')) : [];
}
