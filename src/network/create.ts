/**
 * `docker network create` for the bridge driver: the request checked in dockerd's
 * words, a subnet (given, or the first free one of the pools), the bridge device
 * (`-o com.docker.network.bridge.name`, else `bt-<id12>` as dockerd's `br-<id12>`),
 * brought up before the record is written, so a failure leaves nothing.
 */
import { Conflict, Forbidden, InvalidParameter, NotFound, Unavailable } from '../engine/errors.js';
import {
  Allocator, contains, checkNoOverlap, type Cidr, formatCidr, formatIp, goParsesIp, hostSubnets, parseCidr, parseIp, pickFreeSubnet,
} from '../drivers/networkdriver/ipam.js';
import { goOrder } from '../jobs/containers/config.js';
import { contains6, formatCidr6, formatIp6, overlaps6, parseCidr6, parseIp6, type Cidr6, type V6Settings } from '../drivers/networkdriver/ipam6.js';
import { checkAuxAddresses } from './aux-addresses.js';
import { bringUp } from './bridge-up.js';
import type { NetworkController } from './controller.js';
import { addressPools, mtuOf } from './defaults.js';
import { generateNetworkId, nowNano } from './names.js';
import type { IpamConfigEntry, NetworkRecord } from './types.js';

/** `POST /networks/create` (NetworkCreateRequest, API v1.41). */
export interface NetworkCreateBody {
  Name?: string;
  CheckDuplicate?: boolean;
  Driver?: string;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  EnableIPv6?: boolean;
  IPAM?: { Driver?: string; Config?: IpamConfigEntry[] | null; Options?: Record<string, string> | null } | null;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
  /** '' or `local`; `swarm` and `global` need a swarm, which berth never is in. */
  Scope?: string;
}

const OPT_NAME = 'com.docker.network.bridge.name';
const NO_MANAGER = 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';
const PREDEFINED = ['bridge', 'host', 'none'];

function checkDriver(driver: string): void {
  if (driver === 'host' || driver === 'null') throw new Forbidden(`only one instance of "${driver}" network is allowed`);
  // dockerd outside a swarm refuses the swarm-scoped driver with its errNoManager; berth is
  // always outside one, and answers it as its other swarm calls (503).
  if (driver === 'overlay') throw new Unavailable(NO_MANAGER);
  if (driver !== 'bridge') throw new NotFound(`plugin "${driver}" not found`);
}

/**
 * The scope asked for, as libnetwork on a node outside a swarm takes it: `swarm`
 * is forbidden, any other but local goes to the swarm manager there is none of.
 */
function checkScope(scope: string): void {
  if (!scope || scope === 'local') return;
  if (scope === 'swarm') throw new Forbidden('cannot create a swarm scoped network when swarm is not active');
  throw new Unavailable(NO_MANAGER);
}

function boolOpt(opts: Record<string, string>, key: string, dflt: boolean): boolean {
  const v = opts[key];
  return v === undefined ? dflt : v === 'true' || v === '1';
}

function parsesAsCidr(s: string): boolean {
  try {
    parseCidr(s);
    return true;
  } catch {
    return false;
  }
}

/** A requested subnet, or libnetwork's words for one that does not parse (a 400: dockerd's is a 500). */
function subnetOf(s: string): Cidr {
  try {
    return parseCidr(s);
  } catch {
    throw new InvalidParameter(`Invalid subnet ${s} : invalid CIDR address: ${s}`);
  }
}

/** An IPv6 pool as given, its empty fields left out as Go's omitempty does. */
function v6Entry(c: IpamConfigEntry): IpamConfigEntry {
  const aux = c.AuxiliaryAddresses ?? {};
  return {
    Subnet: c.Subnet!, ...(c.IPRange ? { IPRange: c.IPRange } : {}), ...(c.Gateway ? { Gateway: c.Gateway } : {}),
    ...(Object.keys(aux).length ? { AuxiliaryAddresses: goOrder(aux) } : {}),
  };
}

/** The IPv4 config: given (checked) or picked. Returns what inspect shows and the settings. */
async function ipamOf(ctl: NetworkController, body: NetworkCreateBody, id: string): Promise<{ shown: IpamConfigEntry[]; subnet: string; gateway: string; range?: string; user: boolean }> {
  const configs = (body.IPAM?.Config ?? []).filter((c) => !(c.Subnet ?? '').includes(':'));
  // IPv6 pools are shown as given (dockerd without EnableIPv6 gives no container an address from them).
  const v6 = (body.IPAM?.Config ?? []).filter((c) => (c.Subnet ?? '').includes(':')).map(v6Entry);
  if (configs.length > 1) throw new Forbidden('bridge driver doesn\'t support multiple subnets');
  const others = ctl.all().flatMap((n) => (n.bridge ? [parseCidr(n.bridge.subnet)] : []));
  const given = configs[0];
  if (!given?.Subnet) {
    // libnetwork's words as it parses the missing subnet (dockerd: a 500; here a 400, a bad request).
    if (given?.Gateway || given?.IPRange) throw new InvalidParameter('Invalid subnet  : invalid CIDR address: ');
    const c = pickFreeSubnet(addressPools(ctl.config), [...others, ...(await hostSubnets())], body.Name);
    const subnet = formatCidr(c);
    const gateway = formatIp(c.base + 1);
    return { shown: [{ Subnet: subnet, Gateway: gateway }, ...v6], subnet, gateway, user: false };
  }
  const cidr = subnetOf(given.Subnet);
  // libnetwork's order and words: IpamConf.Validate, then the pool request's sub-pool.
  if (given.Gateway && !goParsesIp(given.Gateway)) {
    throw new InvalidParameter(`invalid gateway address ${given.Gateway} in Ipam configuration`);
  }
  if (given.IPRange && !parsesAsCidr(given.IPRange)) {
    throw new InvalidParameter(`failed to parse pool request for address space "LocalDefault" pool "${given.Subnet}" subpool "${given.IPRange}": Invalid Address SubPool`);
  }
  checkNoOverlap(cidr, others);
  const subnet = formatCidr(cidr);
  const gateway = given.Gateway || Allocator.defaultGateway(subnet);
  if (given.Gateway && !contains(cidr, parseIp(given.Gateway))) {
    throw new InvalidParameter(`failed to allocate gateway (${given.Gateway}): Requested address is out of range`);
  }
  const shown: IpamConfigEntry = { Subnet: given.Subnet };
  if (given.IPRange) {
    const r = parseCidr(given.IPRange);
    if (!contains(cidr, r.base) || r.prefix < cidr.prefix) throw new InvalidParameter(`failed to allocate pool ${given.IPRange}: Requested address is out of range`);
    shown.IPRange = given.IPRange;
  }
  if (given.Gateway) shown.Gateway = given.Gateway;
  const aux = checkAuxAddresses(given.AuxiliaryAddresses, cidr, gateway, body.Name ?? '');
  if (aux) shown.AuxiliaryAddresses = aux;
  return { shown: [shown, ...v6], subnet, gateway, user: true, ...(given.IPRange ? { range: formatCidr(parseCidr(given.IPRange)) } : {}) };
}

/**
 * The IPv6 side of a network created with EnableIPv6: its first IPv6 pool, checked
 * in libnetwork's words. dockerd 20.10 has no default IPv6 pool, so one must be given.
 */
function ipv6Of(ctl: NetworkController, body: NetworkCreateBody): V6Settings {
  const pools = (body.IPAM?.Config ?? []).filter((c) => (c.Subnet ?? '').includes(':'));
  const given = pools[0];
  if (!given?.Subnet) throw new Forbidden('could not find an available, non-overlapping IPv6 address pool among the defaults to assign to the network');
  if (pools.length > 1) throw new Forbidden('bridge driver doesn\'t support multiple subnets');
  let cidr: Cidr6;
  try {
    cidr = parseCidr6(given.Subnet);
  } catch {
    throw new InvalidParameter(`Invalid subnet ${given.Subnet} : invalid CIDR address: ${given.Subnet}`);
  }
  for (const n of ctl.all()) {
    if (n.bridge?.v6 && overlaps6(cidr, parseCidr6(n.bridge.v6.subnet))) throw new Forbidden('Pool overlaps with other one on this address space');
  }
  let gateway = formatIp6(cidr.base + 1n);
  if (given.Gateway) {
    let gw: bigint;
    try {
      gw = parseIp6(given.Gateway);
    } catch {
      throw new InvalidParameter(`invalid gateway address ${given.Gateway} in Ipam configuration`);
    }
    if (!contains6(cidr, gw)) throw new InvalidParameter(`failed to allocate gateway (${given.Gateway}): Requested address is out of range`);
    gateway = formatIp6(gw);
  }
  const out: V6Settings = { subnet: formatCidr6(cidr), gateway };
  if (given.IPRange) {
    let r: Cidr6;
    try {
      r = parseCidr6(given.IPRange);
    } catch {
      throw new InvalidParameter(`failed to parse pool request for address space "LocalDefault" pool "${given.Subnet}" subpool "${given.IPRange}": Invalid Address SubPool`);
    }
    if (!contains6(cidr, r.base) || r.prefix < cidr.prefix) throw new InvalidParameter(`failed to allocate pool ${given.IPRange}: Requested address is out of range`);
    out.range = formatCidr6(r);
  }
  return out;
}

/**
 * Creates run one at a time: each checks names, subnets and bridge names against the
 * networks that exist, then awaits the bridge; two at once both passed the checks
 * (the second then failed binding its DNS server, not with the overlap's 403).
 */
export function createNetwork(ctl: NetworkController, body: NetworkCreateBody): Promise<{ Id: string; Warning: string }> {
  const prev = createQueue.get(ctl) ?? Promise.resolve();
  const run = prev.then(() => createOne(ctl, body));
  createQueue.set(ctl, run.catch(() => undefined));
  return run;
}

const createQueue = new WeakMap<NetworkController, Promise<unknown>>();

async function createOne(ctl: NetworkController, body: NetworkCreateBody): Promise<{ Id: string; Warning: string }> {
  const name = body.Name ?? '';
  // dockerd's libnetwork words for a name that is empty (its 500, a 400 here).
  if (!name) throw new InvalidParameter('invalid name: ');
  if (PREDEFINED.includes(name)) throw new Forbidden(`operation is not permitted on predefined ${name} network`);
  checkDriver(body.Driver || 'bridge');
  checkScope(typeof body.Scope === 'string' ? body.Scope : '');
  // Only the built-in IPAM driver: another name is a plugin dockerd looks up and does not find.
  const ipamDriver = body.IPAM?.Driver || 'default';
  if (ipamDriver !== 'default' && ipamDriver !== 'null') throw new NotFound(`plugin "${ipamDriver}" not found`);
  const same = ctl.all().find((n) => n.Name === name);
  if (same && body.CheckDuplicate) throw new Conflict(`network with name ${name} already exists`);
  const id = generateNetworkId();
  const opts = { ...(body.Options ?? {}) };
  const device = opts[OPT_NAME] || `bt-${id.slice(0, 12)}`;
  if (device.length > 15) throw new InvalidParameter(`bridge name ${device} is too long (at most 15 characters)`);
  if (ctl.all().some((n) => n.bridge?.device === device)) throw new Conflict(`bridge name ${device} is already in use by another network`);
  const ipam = await ipamOf(ctl, body, id);
  const v6 = body.EnableIPv6 ? ipv6Of(ctl, body) : undefined;
  const n: NetworkRecord = {
    Id: id, Name: name, Created: nowNano(), Driver: 'bridge', Internal: body.Internal === true, Attachable: body.Attachable === true,
    Labels: goOrder(body.Labels ?? {}), Options: goOrder(opts),
    IPAM: { Driver: body.IPAM?.Driver || 'default', Options: body.IPAM?.Options ?? null, Config: ipam.shown },
    predefined: false,
    bridge: {
      device, subnet: ipam.subnet, gateway: ipam.gateway, created: false,
      icc: boolOpt(opts, 'com.docker.network.bridge.enable_icc', true),
      masquerade: boolOpt(opts, 'com.docker.network.bridge.enable_ip_masquerade', true),
      mtu: Number(opts['com.docker.network.driver.mtu']) || mtuOf(ctl.config),
      hostBindingIp: opts['com.docker.network.bridge.host_binding_ipv4'] || ctl.config.ip || '0.0.0.0',
      dns: true, userSubnet: ipam.user, ...(ipam.range ? { range: ipam.range } : {}), ...(v6 ? { v6 } : {}),
    },
  };
  const dns = await bringUp(ctl.up, n);
  ctl.records.saveNetwork(n);
  if (dns) ctl.dns.set(n.Id, dns);
  ctl.deps.events.publish({ Type: 'network', Action: 'create', id: n.Id, attributes: { name: n.Name, type: n.Driver } });
  return { Id: id, Warning: same ? `Network with name ${name} (id : ${same.Id}) already exists` : '' };
}
