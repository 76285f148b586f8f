/** `network rm`, `connect`, `disconnect` and `prune` on the controller's records. */
import { Forbidden } from '../engine/errors.js';
import type { ContainerRecord } from '../jobs/containers/types.js';
import { takeDown } from './bridge-up.js';
import { endpointConfig, type EndpointSettingsBody } from './configure.js';
import type { NetworkController } from './controller.js';
import { dropHostsLines } from './hosts-file.js';
import { joinLive, leave, leaveLive } from './join.js';
import { useEmbeddedDns } from './resolv-file.js';
import type { NetworkRecord } from './types.js';

function hasActiveEndpoints(ctl: NetworkController, n: NetworkRecord): boolean {
  return ctl.records.endpointsIn(n.Id).some((e) => e.live);
}

/** Removes a network and everything made for it; refused for predefined ones and while in use. */
export async function removeNetwork(ctl: NetworkController, n: NetworkRecord): Promise<void> {
  if (n.predefined) throw new Forbidden(`${n.Name} is a pre-defined network and cannot be removed`);
  if (hasActiveEndpoints(ctl, n)) throw new Forbidden(`error while removing network: network ${n.Name} id ${n.Id} has active endpoints`);
  await takeDown(ctl.up, n, ctl.dns.get(n.Id) ?? null);
  ctl.dns.delete(n.Id);
  ctl.records.deleteNetwork(n.Id);
  ctl.deps.events.publish({ Type: 'network', Action: 'destroy', id: n.Id, attributes: { name: n.Name, type: n.Driver } });
}

function sharesNamespace(c: ContainerRecord): boolean {
  const mode = String(c.HostConfig.NetworkMode ?? 'default');
  return mode === 'host' || mode === 'none' || mode.startsWith('container:');
}

/** `network connect`: recorded, and plugged at once when the container runs (`pid`). */
export async function connect(ctl: NetworkController, n: NetworkRecord, c: ContainerRecord, body: EndpointSettingsBody | null | undefined, pid: number | null): Promise<void> {
  if (!n.bridge) throw new Forbidden('container cannot be disconnected from host network or connected to host network');
  if (sharesNamespace(c)) throw new Forbidden('container sharing network namespace with another container or host cannot be connected to any other network');
  if (ctl.records.endpoint(c.Id, n.Id)) throw new Forbidden(`endpoint with name ${c.Name.replace(/^\//, '')} already exists in network ${n.Name}`);
  const ep = { containerId: c.Id, networkId: n.Id, config: endpointConfig(n, body) };
  ctl.records.saveEndpoint(ep);
  if (pid !== null) {
    try {
      await joinLive(ctl, c, n, ep, pid);
    } catch (err) {
      ctl.records.deleteEndpoint(c.Id, n.Id);
      throw err;
    }
    if (n.bridge.dns) await useEmbeddedDns(ctl, c, n.Id, n.bridge.gateway);
  }
  if (pid === null) ctl.deps.events.publish({ Type: 'network', Action: 'connect', id: n.Id, attributes: { container: c.Id, name: n.Name, type: n.Driver } });
}

/**
 * `network disconnect`: the record goes; a running container (`pid`) leaves at once,
 * its /etc/hosts edited as dockerd does, and the default route and published ports
 * move to the next network if they were on this one.
 */
export async function disconnect(ctl: NetworkController, n: NetworkRecord, c: ContainerRecord, pid: number | null): Promise<void> {
  if (!n.bridge || sharesNamespace(c)) throw new Forbidden('container cannot be disconnected from host network or connected to host network');
  const ep = ctl.records.endpoint(c.Id, n.Id);
  if (!ep) throw new Forbidden(`container ${c.Id} is not connected to network ${n.Name}`);
  const live = ep.live !== undefined;
  if (live) await leaveLive(ctl, c, ep, pid);
  ctl.records.deleteEndpoint(c.Id, n.Id);
  if (live && pid !== null && !n.predefined) await dropHostsLines(ctl, c);
  if (!live) ctl.deps.events.publish({ Type: 'network', Action: 'disconnect', id: n.Id, attributes: { container: c.Id, name: n.Name, type: n.Driver } });
}

/** A container removed: its endpoints leave and their records go. */
export async function forgetContainer(ctl: NetworkController, containerId: string): Promise<void> {
  const c = ctl.deps.containers.find(containerId);
  for (const ep of ctl.records.endpointsOf(containerId)) {
    await leave(ctl, c, ep);
    ctl.records.deleteEndpoint(containerId, ep.networkId);
  }
  ctl.ports.delete(containerId);
}

/** `network prune`: user-defined networks without active endpoints that `match`. */
export async function pruneNetworks(ctl: NetworkController, match: (n: NetworkRecord) => boolean): Promise<string[]> {
  const deleted: string[] = [];
  for (const n of ctl.all()) {
    if (n.predefined || hasActiveEndpoints(ctl, n) || !match(n)) continue;
    try {
      await removeNetwork(ctl, n);
      deleted.push(n.Name);
    } catch (err) {
      ctl.log.warn(`network prune: ${n.Name}: ${(err as Error).message}`);
    }
  }
  return deleted;
}
