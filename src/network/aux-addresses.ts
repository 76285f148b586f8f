/**
 * IPAMConfig.AuxiliaryAddresses of `network create` (`--aux-address name=ip`): addresses
 * of the subnet that are kept from containers, as libnetwork reserves them in the pool.
 * Checked in libnetwork's words; the allocator of each join leaves them out.
 */
import { Forbidden, InvalidParameter } from '../engine/errors.js';
import { contains, type Cidr, formatCidr, parseIp } from '../drivers/networkdriver/ipam.js';
import { goOrder } from '../jobs/containers/config.js';
import type { IpamConfigEntry, NetworkRecord } from './types.js';

/** The map to record (keys sorted, as Go writes a map), or undefined when none was given. */
export function checkAuxAddresses(aux: Record<string, string> | null | undefined, subnet: Cidr, gateway: string, network: string): Record<string, string> | undefined {
  const sorted = goOrder(aux ?? {});
  const entries = Object.entries(sorted);
  if (!entries.length) return undefined;
  const taken = new Set([gateway]);
  for (const [k, v] of entries) {
    let ip: number;
    try {
      ip = parseIp(v);
    } catch {
      // dockerd: a 500 with these words; bad input, so a 400 here.
      throw new InvalidParameter(`non parsable secondary ip address (${k}:${v}) passed for network ${network}`);
    }
    if (!contains(subnet, ip)) throw new Forbidden(`auxiliary address: (${k}:${v}) must belong to the master pool: ${formatCidr(subnet)}`);
    if (taken.has(v)) throw new Forbidden(`failed to allocate secondary ip address (${k}:${v}): Address already in use`);
    taken.add(v);
  }
  return sorted;
}

/** The IPv4 auxiliary addresses of a network, which no container may be given. */
export function auxAddressesOf(n: NetworkRecord): string[] {
  return n.IPAM.Config.flatMap((e: IpamConfigEntry) => (e.Subnet?.includes(':') ? [] : Object.values(e.AuxiliaryAddresses ?? {})));
}
