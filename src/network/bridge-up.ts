import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { run } from '../drivers/networkdriver/exec.js';
import { deleteBridge, enableIpForward, ensureBridge, setRouteLocalnet } from '../drivers/networkdriver/bridge.js';
import { DnsServer } from '../drivers/networkdriver/dns.js';
import { parseCidr } from '../drivers/networkdriver/ipam.js';
import { parseCidr6 } from '../drivers/networkdriver/ipam6.js';
import type { Iptables, Rule } from '../drivers/networkdriver/iptables.js';
import { parseResolvConf, upstreams } from '../drivers/networkdriver/resolvconf.js';
import type { DaemonConfig } from '../engine/config.js';
import type { Logger } from '../engine/log.js';
import type { NetworkRecord } from './types.js';

/** What bringing up a bridge network needs from the daemon. */
export interface UpContext {
  config: DaemonConfig;
  log: Logger;
  ipt: Iptables | null;
  /** Names of the client's other networks, for a network's DNS server (dns-peers.ts). */
  dnsPeers?: (networkId: string, name: string, client: string) => string[];
  /** A client container's own `--dns` servers (empty: the network's upstreams). */
  dnsOwnServers?: (networkId: string, client: string) => string[];
}

/** The iptables rules of one bridge network (none with --iptables=false). */
export function networkRules(x: UpContext, n: NetworkRecord): Rule[] {
  const b = n.bridge;
  if (!x.ipt || !b) return [];
  const rules = x.ipt.networkRules({ bridge: b.device, subnet: b.subnet, icc: b.icc, masquerade: b.masquerade, internal: n.Internal });
  // IPv4 loopback clients of published ports take the kernel's path on every
  // external network, userland proxy or not (docs/ARCHITECTURE.md, "Published
  // ports"): masqueraded out of the bridge, and the bridge's own 127/8 guard. The
  // OUTPUT jump for 127/8 is the controller's, shared by every network.
  if (!n.Internal) rules.push(...x.ipt.loopbackRules(b.device));
  return rules;
}

/**
 * Adds a network's rules; those of the isolation chains go above the chain's final
 * RETURN (inserted, as dockerd does), the rest are appended. All or nothing.
 */
export async function addRules(ipt: Iptables, rules: Rule[]): Promise<void> {
  const done: Rule[] = [];
  try {
    for (const r of rules) {
      // The isolation chains end in RETURN; INPUT's guard must come before the host's own ACCEPTs.
      await ipt.add(r, r.chain === ipt.isolation1 || r.chain === ipt.isolation2 || r.chain === 'INPUT' ? 'insert' : 'append');
      done.push(r);
    }
  } catch (err) {
    await ipt.removeAll(done.reverse()).catch(() => undefined);
    throw err;
  }
}

/** A locally administered unicast MAC in dockerd's 02:42 range. */
function randomMac(): string {
  return ['02', '42', ...[...randomBytes(4)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

/** Upstream resolvers for the embedded DNS: the daemon's --dns, else the host's (loopback ones dropped). */
async function dnsUpstreams(config: DaemonConfig): Promise<string[]> {
  if (config.dns.length) return config.dns;
  let text = '';
  try { text = await readFile('/etc/resolv.conf', 'utf8'); } catch { /* no host resolvers */ }
  return upstreams(parseResolvConf(text));
}

/**
 * Makes a bridge network usable: the device with its gateway address (created if
 * missing, which is then recorded), the network's iptables rules, route_localnet
 * for the loopback DNAT, and the DNS server of user-defined networks. Returns
 * the DNS server when one was started. Idempotent: a restart runs it again.
 */
export async function bringUp(x: UpContext, n: NetworkRecord): Promise<DnsServer | null> {
  const b = n.bridge;
  if (!b) return null;
  const made = await ensureBridge({
    name: b.device, gateway: b.gateway, prefix: parseCidr(b.subnet).prefix, mtu: b.mtu,
    ...(b.v6 ? { v6: { gateway: b.v6.gateway, prefix: parseCidr6(b.v6.subnet).prefix } } : {}),
  });
  if (made) b.created = true;
  try {
    // A bridge without a MAC of its own takes the lowest of its ports': each new veth
    // could change it and leave the containers' ARP entries for the gateway stale for
    // seconds. A fixed one, as dockerd sets, never moves.
    if (made) await run('ip', ['link', 'set', 'dev', b.device, 'address', randomMac()]);
    if (x.config.ipForward && !n.Internal) await enableIpForward();
    if (x.ipt && !n.Internal) await setRouteLocalnet(b.device);
    if (x.ipt) await addRules(x.ipt, networkRules(x, n));
    if (!b.dns) return null;
    const peers = x.dnsPeers;
    const own = x.dnsOwnServers;
    const server = new DnsServer({
      address: b.gateway,
      upstreams: (await dnsUpstreams(x.config)).map((host) => ({ host, port: 53 })),
      ...(peers ? { fallback: (name: string, client: string) => peers(n.Id, name, client) } : {}),
      ...(own ? { upstreamsFor: (client: string) => own(n.Id, client).map((host) => ({ host, port: 53 })) } : {}),
    });
    await server.start();
    return server;
  } catch (err) {
    await takeDown(x, n, null).catch(() => undefined);
    throw err;
  }
}

/** Undoes bringUp: the DNS server, the rules (exactly those), and the device if berth made it. */
export async function takeDown(x: UpContext, n: NetworkRecord, dns: DnsServer | null): Promise<void> {
  const b = n.bridge;
  if (!b) return;
  await dns?.stop();
  if (x.ipt) await x.ipt.removeAll(networkRules(x, n));
  await deleteBridge(b.device, b.created);
}
