import { InvalidParameter } from '../engine/errors.js';
import type { DaemonConfig } from '../engine/config.js';
import { run } from '../drivers/networkdriver/exec.js';
import { linkExists } from '../drivers/networkdriver/bridge.js';
import {
  Allocator, DEFAULT_POOLS, formatCidr, formatIp, hostSubnets, parseCidr, parseIp, pickFreeSubnet, type AddressPool, type Cidr,
} from '../drivers/networkdriver/ipam.js';
import { formatCidr6, formatIp6, parseCidr6, type Cidr6 } from '../drivers/networkdriver/ipam6.js';
import { generateNetworkId, nowNano } from './names.js';
import type { BridgeSettings, NetworkRecord } from './types.js';

/** dockerd's default MTU. */
export const DEFAULT_MTU = 1500;

export function mtuOf(config: DaemonConfig): number {
  return config.mtu > 0 ? config.mtu : DEFAULT_MTU;
}

/** `--default-address-pools base=10.10.0.0/16,size=24` entries, or dockerd's pools. */
export function addressPools(config: DaemonConfig): AddressPool[] {
  if (!config.defaultAddressPools.length) return [...DEFAULT_POOLS];
  return config.defaultAddressPools.map((entry) => {
    const fields = Object.fromEntries(entry.split(',').map((kv) => kv.split('=', 2) as [string, string]));
    const base = fields['base'];
    const size = Number(fields['size']);
    if (!base || !Number.isInteger(size)) throw new InvalidParameter(`invalid default address pool: ${entry}`);
    parseCidr(base);
    return { base, size };
  });
}

function predefined(name: string, driver: 'host' | 'null'): NetworkRecord {
  return {
    Id: generateNetworkId(), Name: name, Created: nowNano(), Driver: driver, Internal: false, Attachable: false,
    Labels: {}, Options: {}, IPAM: { Driver: 'default', Options: null, Config: [] }, predefined: true,
  };
}

/** The `host` and `none` networks, made once and kept (their IDs are stable across restarts). */
export function hostAndNone(existing: readonly NetworkRecord[]): NetworkRecord[] {
  const out: NetworkRecord[] = [];
  if (!existing.some((n) => n.predefined && n.Name === 'host')) out.push(predefined('host', 'host'));
  if (!existing.some((n) => n.predefined && n.Name === 'none')) out.push(predefined('none', 'null'));
  return out;
}

/** The IPv4 address and prefix a bridge already carries (for -b on an existing one). */
async function bridgeAddress(device: string): Promise<Cidr & { ip: number } | null> {
  const out = (await run('ip', ['-4', '-o', 'addr', 'show', 'dev', device])).stdout;
  const m = /inet (\d+\.\d+\.\d+\.\d+)\/(\d+)/.exec(out);
  if (!m) return null;
  const c = parseCidr(`${m[1]}/${m[2]}`);
  return { ...c, ip: parseIp(m[1]!) };
}

/**
 * The default `bridge` network's settings from the flags: `-b` an existing bridge
 * (its address is kept), `--bip` an address, else the persisted subnet, else a subnet
 * free of every host route and interface and of the other networks. Returns null
 * with `-b none`.
 */
export async function defaultBridgeSettings(config: DaemonConfig, previous: BridgeSettings | undefined, taken: Cidr[]): Promise<BridgeSettings | null> {
  if (config.bridge === 'none') return null;
  const device = config.bridge || config.bridgeName;
  let subnet: string;
  let gateway: string;
  // Whether berth made the device: set when bringUp creates it, kept across restarts.
  const created = previous?.device === device ? previous.created : false;
  if (config.bridge && config.bridge !== config.bridgeName && !(await linkExists(config.bridge))) {
    throw new InvalidParameter(`bridge device with non default name ${config.bridge} must be created manually`);
  }
  const existing = config.bridge ? await bridgeAddress(device) : null;
  if (config.bip) {
    const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(config.bip);
    if (!m) throw new InvalidParameter(`invalid value "${config.bip}" for flag --bip: invalid CIDR address: ${config.bip}`);
    subnet = formatCidr(parseCidr(config.bip));
    gateway = m[1]!;
  } else if (existing) {
    subnet = formatCidr(existing);
    gateway = formatIp(existing.ip);
  } else if (previous && previous.device === device) {
    subnet = previous.subnet;
    gateway = previous.gateway;
  } else {
    const c = pickFreeSubnet(addressPools(config), [...taken, ...(await hostSubnets())]);
    subnet = formatCidr(c);
    gateway = formatIp(c.base + 1);
  }
  const settings: BridgeSettings = {
    device, subnet, gateway, created, icc: config.icc, masquerade: config.ipMasq, mtu: mtuOf(config),
    hostBindingIp: config.ip || '0.0.0.0', dns: false,
  };
  if (config.fixedCidr) settings.range = formatCidr(parseCidr(config.fixedCidr));
  if (config.ipv6 && config.fixedCidrV6) {
    let v6: Cidr6;
    try {
      v6 = parseCidr6(config.fixedCidrV6);
    } catch {
      throw new InvalidParameter(`invalid value "${config.fixedCidrV6}" for flag --fixed-cidr-v6: invalid CIDR address: ${config.fixedCidrV6}`);
    }
    settings.v6 = { subnet: formatCidr6(v6), gateway: formatIp6(v6.base + 1n) };
  }
  // A --fixed-cidr outside the subnet, or a gateway outside it, stops the start here.
  new Allocator({ subnet, gateway, ...(settings.range ? { range: settings.range } : {}), allocated: [] }, 'bridge');
  return settings;
}

/** The `bridge` network record around its settings, with the options dockerd shows. */
export function defaultBridgeRecord(prev: NetworkRecord | undefined, b: BridgeSettings): NetworkRecord {
  const config: NetworkRecord['IPAM']['Config'][number] = { Subnet: b.subnet, Gateway: b.gateway };
  if (b.range) config.IPRange = b.range;
  const v6 = b.v6 ? [{ Subnet: b.v6.subnet, Gateway: b.v6.gateway }] : [];
  return {
    Id: prev?.Id ?? generateNetworkId(),
    Name: 'bridge',
    Created: prev?.Created ?? nowNano(),
    Driver: 'bridge',
    Internal: false,
    Attachable: false,
    Labels: {},
    Options: {
      'com.docker.network.bridge.default_bridge': 'true',
      'com.docker.network.bridge.enable_icc': String(b.icc),
      'com.docker.network.bridge.enable_ip_masquerade': String(b.masquerade),
      'com.docker.network.bridge.host_binding_ipv4': b.hostBindingIp,
      'com.docker.network.bridge.name': b.device,
      'com.docker.network.driver.mtu': String(b.mtu),
    },
    IPAM: { Driver: 'default', Options: null, Config: [config, ...v6] },
    predefined: true,
    bridge: b,
  };
}
