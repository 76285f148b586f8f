/**
 * A container's resolv.conf names one network's DNS server (the first with DNS in
 * join order), yet dockerd resolves, for a container on several networks, the names
 * of every network it is on. The server that holds no answer asks this: which
 * container sent the query (by its address on that network), and what its other
 * networks' servers know, in join order. Containers on other networks only are not
 * visible, as in dockerd.
 */
import type { NetworkController } from './controller.js';

export function peerNames(ctl: NetworkController, networkId: string, name: string, client: string): string[] {
  const asker = ctl.records.endpointsIn(networkId).find((ep) => ep.live?.address === client);
  if (!asker) return [];
  for (const ep of ctl.records.endpointsOf(asker.containerId)) {
    if (ep.networkId === networkId || !ep.live) continue;
    const ips = ctl.dns.get(ep.networkId)?.lookup(name) ?? [];
    if (ips.length) return ips;
  }
  return [];
}
