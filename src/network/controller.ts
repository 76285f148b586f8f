/**
 * The network controller: the daemon's networks (the default `bridge`, `host`,
 * `none`, and user-defined bridge networks) and the containers' endpoints on them.
 * Records live in sqlite (NetworkStore); what only exists while the daemon runs
 * (DNS servers, port reservations and proxies) lives here, keyed by network and
 * container. The container jobs call in at create, start, exit and rm; the network
 * jobs at create, rm, connect and disconnect.
 */
import { NotFound } from '../engine/errors.js';
import type { DaemonConfig } from '../engine/config.js';
import type { Logger } from '../engine/log.js';
import type { EventBus } from '../engine/events.js';
import type { Store } from '../engine/store.js';
import { DnsServer } from '../drivers/networkdriver/dns.js';
import { enableIpForward } from '../drivers/networkdriver/bridge.js';
import { Iptables } from '../drivers/networkdriver/iptables.js';
import { parseCidr, type Cidr } from '../drivers/networkdriver/ipam.js';
import type { ContainerStore } from '../jobs/containers/store.js';
import { bringUp, takeDown, type UpContext } from './bridge-up.js';
import { defaultBridgeRecord, defaultBridgeSettings, hostAndNone } from './defaults.js';
import { recordEndpoint, validateCreate, type NetworkingConfigBody } from './configure.js';
import { liveAddresses, prepare, release, type PreparedNet } from './join.js';
import { findNetwork, getNetwork } from './names.js';
import { forgetContainer } from './ops.js';
import { ownServers, peerNames } from './dns-peers.js';
import { restoreEndpoints } from './restore.js';
import { detached, networkSettings, portList, publishedOf } from './view.js';
import type { ContainerRecord, HostConfig } from '../jobs/containers/types.js';
import { PortCursor, type HeldPorts } from './ports.js';
import { NetworkStore } from './store.js';
import type { NetworkRecord } from './types.js';

export interface ControllerDeps {
  config: DaemonConfig;
  store: Store;
  log: Logger;
  events: EventBus;
  containers: ContainerStore;
}

export class NetworkController {
  readonly records: NetworkStore;
  readonly ipt: Iptables | null;
  readonly cursor = new PortCursor();
  /** DNS servers of user-defined networks, by network id. */
  readonly dns = new Map<string, DnsServer>();
  /** Published ports of running containers, by container id. */
  readonly ports = new Map<string, HeldPorts>();

  private constructor(readonly deps: ControllerDeps) {
    this.records = new NetworkStore(deps.store);
    this.ipt = deps.config.iptables ? new Iptables(deps.config.iptablesChainPrefix) : null;
  }

  get config(): DaemonConfig { return this.deps.config; }
  get log(): Logger { return this.deps.log; }
  get up(): UpContext { return { config: this.deps.config, log: this.deps.log, ipt: this.ipt, dnsPeers: (net, name, client) => peerNames(this, net, name, client), dnsOwnServers: (net, client) => ownServers(this, net, client) }; }

  /**
   * At daemon start: berth's chains, the predefined networks (the default bridge as
   * the flags say, persisted), and every bridge network brought up again.
   */
  static async open(deps: ControllerDeps): Promise<NetworkController> {
    const c = new NetworkController(deps);
    const prefix = deps.config.iptablesChainPrefix;
    if (!/^[A-Za-z][A-Za-z0-9_-]{0,9}$/.test(prefix)) throw new Error(`invalid iptables chain prefix ${prefix}: at most 10 letters, digits, - or _`);
    if (c.ipt) {
      await c.ipt.setup();
      await c.ipt.add(c.ipt.loopbackJump());
    }
    if (deps.config.ipForward) await enableIpForward().catch((e: Error) => deps.log.warn(`ip_forward: ${e.message}`));
    for (const n of hostAndNone(c.records.allNetworks())) c.records.saveNetwork(n);
    await c.openDefaultBridge();
    for (const n of c.records.allNetworks()) {
      if (!n.bridge) continue;
      try {
        const dns = await bringUp(c.up, n);
        if (dns) c.dns.set(n.Id, dns);
      } catch (err) {
        // The default bridge is needed to serve at all; a user network that cannot
        // come up is logged (as dockerd does) and its containers fail at start.
        if (n.predefined) throw err;
        deps.log.error(`network ${n.Name}: cannot bring it up: ${(err as Error).message}`);
      }
      c.records.saveNetwork(n); // bringUp records whether it created the device
    }
    return c;
  }

  private async openDefaultBridge(): Promise<void> {
    const prev = this.records.allNetworks().find((n) => n.predefined && n.Name === 'bridge');
    const others: Cidr[] = this.records.allNetworks().filter((n) => n !== prev && n.bridge).map((n) => parseCidr(n.bridge!.subnet));
    const settings = await defaultBridgeSettings(this.config, prev?.bridge, others);
    if (!settings) {
      // -b none: no default network (dockerd has none either); a previous one goes.
      if (prev) this.records.deleteNetwork(prev.Id);
      return;
    }
    if (prev?.bridge && prev.bridge.device !== settings.device) await takeDown(this.up, prev, null);
    this.records.saveNetwork(defaultBridgeRecord(prev, settings));
  }

  all(): NetworkRecord[] {
    return this.records.allNetworks();
  }

  find(ref: string): NetworkRecord | undefined {
    return findNetwork(this.all(), ref);
  }

  /** dockerd's lookup; NotFound `network X not found`. */
  get(ref: string): NetworkRecord {
    return getNetwork(this.all(), ref);
  }

  byId(id: string): NetworkRecord {
    const n = this.records.network(id);
    if (!n) throw new NotFound(`network ${id} not found`);
    return n;
  }

  // The container jobs' entry points (create, start, exit, rm, boot, inspect, ps).

  /** At create: refuses what dockerd refuses; returns what `recorded` writes once the row exists. */
  checkCreate(h: HostConfig, exposed: Record<string, unknown> | undefined, networking: unknown): ReturnType<typeof validateCreate> {
    return validateCreate(this, h, exposed, networking as NetworkingConfigBody | undefined);
  }

  recorded(c: ContainerRecord, ep: ReturnType<typeof validateCreate>): void {
    recordEndpoint(this, c, ep);
  }

  /** At start, before the process exists: leases and ports; `attach` goes in beforeStart. */
  prepare(c: ContainerRecord): Promise<PreparedNet> {
    return prepare(this, c);
  }

  /** At exit: ports, veths, names and leases go; what the container asked for stays. */
  release(containerId: string): Promise<void> {
    return release(this, containerId);
  }

  /** At rm: everything, records too. */
  forget(containerId: string): Promise<void> {
    return forgetContainer(this, containerId);
  }

  /** At boot, with the running containers' init pids. */
  restore(running: ReadonlyMap<string, number>): Promise<void> {
    return restoreEndpoints(this, running);
  }

  /** `docker rename`: the embedded DNS answers the new name and no longer the old one. */
  renamed(c: ContainerRecord, oldName: string): void {
    const before = oldName.replace(/^\//, '');
    const after = c.Name.replace(/^\//, '');
    for (const ep of this.records.endpointsOf(c.Id)) {
      const dns = ep.live ? this.dns.get(ep.networkId) : undefined;
      if (!dns || !ep.live) continue;
      for (const ip of liveAddresses(ep.live)) {
        if (!ep.config.aliases.includes(before)) dns.unregister(before, ip);
        dns.register(after, ip);
      }
    }
  }

  settings(c: ContainerRecord): Record<string, unknown> {
    return networkSettings(this, c);
  }

  /** `Ports` of ps: empty unless running, as dockerd. */
  portList(c: ContainerRecord): Array<Record<string, unknown>> {
    return c.State.Running && !detached(this, c) ? portList(c, publishedOf(this, c)) : [];
  }

  /**
   * At daemon stop: the proxies and DNS servers end with the process. When no
   * container is left running, berth's links, rules and chains go too (the next
   * start makes them again); with live containers everything stays for them.
   */
  async shutdown(running: ReadonlySet<string>): Promise<void> {
    for (const [id, held] of this.ports) {
      for (const p of held.proxies) await p.close().catch(() => undefined);
      for (const r of held.reservations) await r.close().catch(() => undefined);
      this.ports.delete(id);
    }
    for (const d of this.dns.values()) await d.stop().catch(() => undefined);
    this.dns.clear();
    if (running.size > 0) return;
    for (const n of this.all()) {
      if (!n.bridge) continue;
      await takeDown(this.up, n, null).catch((e: Error) => this.log.warn(`network ${n.Name}: ${e.message}`));
      n.bridge.created = false;
      this.records.saveNetwork(n);
    }
    if (this.ipt) {
      await this.ipt.remove(this.ipt.loopbackJump()).catch(() => undefined);
      await this.ipt.teardown().catch((e: Error) => this.log.warn(`iptables: ${e.message}`));
    }
  }
}
