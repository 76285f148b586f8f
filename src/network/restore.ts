import { startProxy } from '../drivers/networkdriver/proxy.js';
import type { Rule } from '../drivers/networkdriver/iptables.js';
import { networkRules } from './bridge-up.js';
import type { NetworkController } from './controller.js';
import { dnsNames, leave, liveAddresses } from './join.js';
import { portRulesOf, type HeldPorts } from './ports.js';

/**
 * At daemon start, after the containers were found again: endpoints of containers
 * still running keep their address and veth; their DNS names and port rules are put
 * back and their proxies started again (a proxy lives in the daemon process). Endpoints
 * of containers that no longer run are taken apart. Last, anything in berth's own
 * chains that no network or live endpoint accounts for is deleted.
 */
export async function restoreEndpoints(ctl: NetworkController, running: ReadonlyMap<string, number>): Promise<void> {
  const expected: Rule[] = [];
  for (const n of ctl.all()) expected.push(...networkRules(ctl.up, n));
  for (const ep of ctl.records.allEndpoints()) {
    const live = ep.live;
    if (!live) continue;
    const c = ctl.deps.containers.find(ep.containerId);
    const n = ctl.records.network(ep.networkId);
    if (!c || !n?.bridge || !running.has(ep.containerId)) {
      await leave(ctl, c, ep);
      continue;
    }
    const dns = ctl.dns.get(n.Id);
    if (dns) for (const name of dnsNames(c, ep)) for (const ip of liveAddresses(live)) dns.register(name, ip);
    if (!live.ports.length) continue;
    const held: HeldPorts = { ports: live.ports, reservations: [], proxies: [] };
    ctl.ports.set(c.Id, held);
    if (ctl.ipt) {
      const rules = portRulesOf(ctl.ipt, live.ports, n.bridge.device, live.address);
      await ctl.ipt.addAll(rules);
      expected.push(...rules);
    }
    if (!ctl.config.userlandProxy) continue;
    for (const p of live.ports) {
      try {
        held.proxies.push(await startProxy({ proto: p.proto, hostIp: p.hostIp, hostPort: p.hostPort, containerIp: live.address, containerPort: p.containerPort }));
      } catch (err) {
        ctl.log.warn(`container ${c.Id}: cannot proxy ${p.hostIp}:${p.hostPort} again: ${(err as Error).message}`);
      }
    }
  }
  if (ctl.ipt) {
    const removed = await ctl.ipt.reconcile(expected);
    if (removed) ctl.log.info(`iptables: removed ${removed} stale rule(s) from berth's chains`);
  }
}
