/**
 * The network area's vocabulary.
 *
 * A *network* is a record (bridge, host or null driver) persisted in sqlite; a
 * bridge network owns a Linux bridge device, a subnet and gateway, iptables rules,
 * and (user-defined ones) an embedded DNS server on its gateway address.
 *
 * An *endpoint* is one container's attachment to one network. It exists from
 * create (or `network connect`) until rm (or disconnect) with its *config* (aliases,
 * a requested address); while the container runs it also has a *live* part: the
 * address lease, MAC, host-side veth and the published ports.
 */
import type { V6Settings } from '../drivers/networkdriver/ipam6.js';
import type { Proto } from '../drivers/networkdriver/portmapper.js';

export type NetworkDriverName = 'bridge' | 'host' | 'null';

export interface IpamConfigEntry {
  Subnet?: string;
  IPRange?: string;
  Gateway?: string;
  /** Addresses reserved out of the subnet (`--aux-address`). */
  AuxiliaryAddresses?: Record<string, string>;
}

export interface NetworkRecord {
  Id: string;
  Name: string;
  /** RFC 3339 with nanoseconds, as dockerd shows it. */
  Created: string;
  Driver: NetworkDriverName;
  Internal: boolean;
  Attachable: boolean;
  Labels: Record<string, string>;
  /** Driver options as given (`com.docker.network.bridge.name`...), shown on inspect. */
  Options: Record<string, string>;
  IPAM: { Driver: string; Options: Record<string, string> | null; Config: IpamConfigEntry[] };
  /** bridge, host and none: made by the daemon and never removable. */
  predefined: boolean;
  /** The bridge driver's settings (absent for host and null). */
  bridge?: BridgeSettings;
}

export interface BridgeSettings {
  /** The Linux bridge device. */
  device: string;
  subnet: string;
  gateway: string;
  /** --ip-range / --fixed-cidr: where dynamic addresses come from. */
  range?: string;
  /** Whether berth created the device (only then is it ever deleted). */
  created: boolean;
  icc: boolean;
  masquerade: boolean;
  mtu: number;
  /** Published ports bind here unless a binding names its own address. */
  hostBindingIp: string;
  /** User-defined networks: berth's DNS server answers on the gateway. */
  dns: boolean;
  /** The subnet was given (--subnet/--bip): only then may a container ask for an address. */
  userSubnet?: boolean;
  /** `--ipv6` with an IPv6 subnet: the bridge holds its gateway, containers get addresses from it. */
  v6?: V6Settings;
}

/** What a container asked of one network (EndpointSettings of the create/connect body). */
export interface EndpointConfig {
  aliases: string[];
  /** IPAMConfig.IPv4Address. */
  ipv4?: string;
  /** IPAMConfig.IPv6Address (`--ip6`): used on a network with IPv6 on, else only recorded and shown, as dockerd does. */
  ipv6?: string;
  /** MacAddress of the endpoint settings: the interface's MAC on this network. */
  mac?: string;
  /** IPAMConfig.LinkLocalIPs, as asked. */
  linkLocalIps?: string[];
  /** `target[:alias]` links of a user-defined network: the alias resolves to the target for this container only. */
  links?: string[];
  /** DriverOpts, as asked (the bridge driver reads none of them). */
  driverOpts?: Record<string, string>;
}

/** A published port as made: what inspect's Ports shows and what is to be undone. */
export interface PublishedPort {
  proto: Proto;
  containerPort: number;
  hostIp: string;
  hostPort: number;
}

/** The part of an endpoint that exists while its container runs. */
export interface LiveEndpoint {
  endpointId: string;
  address: string;
  prefix: number;
  gateway: string;
  mac: string;
  /** The IPv6 lease, on a network with IPv6 on. */
  v6?: { address: string; prefix: number; gateway: string };
  /** Host end of the veth pair, once plugged. */
  veth?: string;
  ifname: string;
  ports: PublishedPort[];
}

export interface EndpointRecord {
  containerId: string;
  networkId: string;
  config: EndpointConfig;
  live?: LiveEndpoint;
}
