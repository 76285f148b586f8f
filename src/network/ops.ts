/** `network rm`, `connect`, `disconnect` and `prune` on the controller's records. */
import { Forbidden, InvalidParameter } from '../engine/errors.js';
import type { ContainerRecord } from '../jobs/containers/types.js';
import { takeDown } from './bridge-up.js';
import { endpointConfig, type EndpointSettingsBody } from './configure.js';
import type { NetworkController } from './controller.js';
import { dropHostsLines } from './hosts-file.js';
import { joinLive, leave, leaveLive, publishJoin } from './join.js';
import { hostOrNone } from './names.js';
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

const HOST_CONFLICT = 'container cannot be disconnected from host network or connected to host network';
const SHARED_CONFLICT = 'container sharing network namespace with another container or host cannot be connected to any other network';
const NONE_CONFLICT = 'container cannot be connected to multiple networks with one of the networks in private (none) mode';

/** The names of the networks a container is on: its mode's (host, none) or its endpoints'. */
function networksOn(ctl: NetworkController, c: ContainerRecord): string[] {
  const mode = String(c.HostConfig.NetworkMode ?? 'default');
  if (hostOrNone(mode)) return [mode];
  const ids = new Set(ctl.records.endpointsOf(c.Id).map((e) => e.networkId));
  return ctl.all().filter((x) => ids.has(x.Id)).map((x) => x.Name);
}

/**
 * dockerd 20.10's checks before a connect (updateNetworkSettings), validation errors
 * (400) in its words. True when the container is already on `n`.
 */
function checkConnect(ctl: NetworkController, n: NetworkRecord, c: ContainerRecord): boolean {
  const mode = String(c.HostConfig.NetworkMode ?? 'default');
  if (n.Name === 'host' && mode !== 'host') throw new InvalidParameter(HOST_CONFLICT);
  for (const on of networksOn(ctl, c)) {
    if (on === n.Name) return true;
    if (on === 'host' || n.Name === 'host') throw new InvalidParameter(SHARED_CONFLICT);
    if (on === 'none' || n.Name === 'none') throw new InvalidParameter(NONE_CONFLICT);
  }
  return false;
}

/**
 * `network connect`: recorded, and plugged at once when the container runs (`pid`).
 * A container that is not running takes the short ID and hostname among its aliases
 * on a user-defined network now, as dockerd's updateNetworkConfig does at connect.
 */
export async function connect(ctl: NetworkController, n: NetworkRecord, c: ContainerRecord, body: EndpointSettingsBody | null | undefined, pid: number | null): Promise<void> {
  if (String(c.HostConfig.NetworkMode ?? '').startsWith('container:')) throw new InvalidParameter(SHARED_CONFLICT);
  // The endpoint's own settings before the networks the container is on, in dockerd's
  // order: an address or alias on a predefined network is refused even when the
  // container is there already.
  const config = endpointConfig(n, body);
  if (checkConnect(ctl, n, c)) {
    // dockerd keeps a stopped container's config as it is ("avoid duplicate config").
    if (pid === null) return;
    throw new Forbidden(`endpoint with name ${c.Name.replace(/^\//, '')} already exists in network ${n.Name}`);
  }
  if (!n.bridge) throw new InvalidParameter(HOST_CONFLICT);
  if (pid === null && !n.predefined) {
    for (const name of [c.Id.slice(0, 12), c.Config.Hostname ?? '']) {
      if (name && !config.aliases.includes(name)) config.aliases = [...config.aliases, name];
    }
  }
  const ep = { containerId: c.Id, networkId: n.Id, config };
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
  if (pid === null) publishJoin(ctl, c.Id, n, 'connect');
}

/**
 * `network disconnect`: the record goes; a running container (`pid`) leaves at once,
 * its /etc/hosts edited as dockerd does, and the default route and published ports
 * move to the next network if they were on this one.
 */
export async function disconnect(ctl: NetworkController, n: NetworkRecord, c: ContainerRecord, pid: number | null): Promise<void> {
  if (n.Name === 'host' && String(c.HostConfig.NetworkMode) === 'host') throw new InvalidParameter(HOST_CONFLICT);
  const ep = ctl.records.endpoint(c.Id, n.Id);
  // dockerd's words, apart for a container that is not running (its status is a 500; a 403 here).
  if (!ep) throw new Forbidden(`container ${c.Id} is not connected to ${pid === null ? 'the network' : 'network'} ${n.Name}`);
  const live = ep.live !== undefined;
  if (live) await leaveLive(ctl, c, ep, pid);
  ctl.records.deleteEndpoint(c.Id, n.Id);
  if (live && pid !== null && !n.predefined) await dropHostsLines(ctl, c);
  if (!live) publishJoin(ctl, c.Id, n, 'disconnect');
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
