import { bool, int, int64, map, set, slice, str, stringList, stringMap, strslice, struct, uint, type GoType } from '../go-decode.js';

/**
 * dockerd 20.10's Go types of the request bodies (api/types/container, network, volume,
 * mount, nat), as far as the decoder sees them: the field names and JSON types that
 * the create, update, commit, network and volume routes accept, for go-decode's checks.
 */

const duration = { ...int64, name: 'time.Duration' } as GoType;

const restartPolicy = struct('container.RestartPolicy', { Name: str(), MaximumRetryCount: int });

const weightDevice = struct('blkiodev.WeightDevice', { Path: str(), Weight: uint('uint16', 16) });
const throttleDevice = struct('blkiodev.ThrottleDevice', { Path: str(), Rate: uint('uint64', 64) });

/** container.Resources: embedded in HostConfig and in UpdateConfig. */
const resources: Record<string, GoType> = {
  CpuShares: int64, Memory: int64, NanoCpus: int64, CgroupParent: str(),
  BlkioWeight: uint('uint16', 16),
  BlkioWeightDevice: slice(weightDevice, '[]*blkiodev.WeightDevice'),
  BlkioDeviceReadBps: slice(throttleDevice, '[]*blkiodev.ThrottleDevice'),
  BlkioDeviceWriteBps: slice(throttleDevice, '[]*blkiodev.ThrottleDevice'),
  BlkioDeviceReadIOps: slice(throttleDevice, '[]*blkiodev.ThrottleDevice'),
  BlkioDeviceWriteIOps: slice(throttleDevice, '[]*blkiodev.ThrottleDevice'),
  CpuPeriod: int64, CpuQuota: int64, CpuRealtimePeriod: int64, CpuRealtimeRuntime: int64,
  CpusetCpus: str(), CpusetMems: str(),
  Devices: slice(struct('container.DeviceMapping', { PathOnHost: str(), PathInContainer: str(), CgroupPermissions: str() })),
  DeviceCgroupRules: stringList,
  DeviceRequests: slice(struct('container.DeviceRequest', {
    Driver: str(), Count: int, DeviceIDs: stringList, Capabilities: slice(stringList), Options: stringMap,
  })),
  KernelMemory: int64, KernelMemoryTCP: int64, MemoryReservation: int64, MemorySwap: int64,
  MemorySwappiness: int64, OomKillDisable: bool, PidsLimit: int64,
  Ulimits: slice(struct('units.Ulimit', { Name: str(), Hard: int64, Soft: int64 }), '[]*units.Ulimit'),
  CpuCount: int64, CpuPercent: int64, IOMaximumIOps: uint('uint64', 64), IOMaximumBandwidth: uint('uint64', 64),
};

const mount = struct('mount.Mount', {
  Type: str('mount.Type'), Source: str(), Target: str(), ReadOnly: bool, Consistency: str('mount.Consistency'),
  BindOptions: struct('mount.BindOptions', { Propagation: str('mount.Propagation'), NonRecursive: bool }),
  VolumeOptions: struct('mount.VolumeOptions', {
    NoCopy: bool, Labels: stringMap, DriverConfig: struct('mount.Driver', { Name: str(), Options: stringMap }),
  }),
  TmpfsOptions: struct('mount.TmpfsOptions', { SizeBytes: int64, Mode: uint('fs.FileMode', 32) }),
});

export const hostConfig = struct('container.HostConfig', {
  Binds: stringList, ContainerIDFile: str(),
  LogConfig: struct('container.LogConfig', { Type: str(), Config: stringMap }),
  NetworkMode: str('container.NetworkMode'),
  PortBindings: map(slice(struct('nat.PortBinding', { HostIp: str(), HostPort: str() }), '[]nat.PortBinding'), 'nat.PortMap'),
  RestartPolicy: restartPolicy, AutoRemove: bool, VolumeDriver: str(), VolumesFrom: stringList,
  CapAdd: strslice, CapDrop: strslice, CgroupnsMode: str('container.CgroupnsMode'),
  Dns: stringList, DnsOptions: stringList, DnsSearch: stringList, ExtraHosts: stringList, GroupAdd: stringList,
  IpcMode: str('container.IpcMode'), Cgroup: str('container.CgroupSpec'), Links: stringList, OomScoreAdj: int,
  PidMode: str('container.PidMode'), Privileged: bool, PublishAllPorts: bool, ReadonlyRootfs: bool,
  SecurityOpt: stringList, StorageOpt: stringMap, Tmpfs: stringMap, UTSMode: str('container.UTSMode'),
  UsernsMode: str('container.UsernsMode'), ShmSize: int64, Sysctls: stringMap, Runtime: str(),
  ConsoleSize: { ...slice(uint('uint', 64), '[2]uint'), length: 2 } as GoType,
  Isolation: str('container.Isolation'),
  ...resources,
  Mounts: slice(mount), MaskedPaths: stringList, ReadonlyPaths: stringList, Init: bool,
});

export const endpointSettings = struct('network.EndpointSettings', {
  IPAMConfig: struct('network.EndpointIPAMConfig', { IPv4Address: str(), IPv6Address: str(), LinkLocalIPs: stringList }),
  Links: stringList, Aliases: stringList, NetworkID: str(), EndpointID: str(), Gateway: str(), IPAddress: str(),
  IPPrefixLen: int, IPv6Gateway: str(), GlobalIPv6Address: str(), GlobalIPv6PrefixLen: int, MacAddress: str(),
  DriverOpts: stringMap,
});

/** The body of `POST /containers/create`: container.Config's fields, HostConfig and NetworkingConfig. */
export const containerConfigWrapper = struct('runconfig.ContainerConfigWrapper', {
  Hostname: str(), Domainname: str(), User: str(), AttachStdin: bool, AttachStdout: bool, AttachStderr: bool,
  ExposedPorts: set('nat.PortSet'), Tty: bool, OpenStdin: bool, StdinOnce: bool, Env: stringList, Cmd: strslice,
  Healthcheck: struct('container.HealthConfig', { Test: stringList, Interval: duration, Timeout: duration, StartPeriod: duration, Retries: int }),
  ArgsEscaped: bool, Image: str(), Volumes: set('map[string]struct {}'), WorkingDir: str(), Entrypoint: strslice,
  NetworkDisabled: bool, MacAddress: str(), OnBuild: stringList, Labels: stringMap, StopSignal: str(),
  StopTimeout: int, Shell: strslice,
  HostConfig: hostConfig,
  NetworkingConfig: struct('network.NetworkingConfig', { EndpointsConfig: map(endpointSettings, 'map[string]*network.EndpointSettings') }),
}) as GoType & { kind: 'struct' };

/** The body of `POST /containers/{id}/update`. */
export const updateConfig = struct('container.UpdateConfig', { ...resources, RestartPolicy: restartPolicy }) as GoType & { kind: 'struct' };


/** The body of `POST /networks/create` (types.NetworkCreate is embedded: its fields report as the request's). */
export const networkCreateRequest = struct('types.NetworkCreateRequest', {
  Name: str(), CheckDuplicate: bool, Driver: str(), Scope: str(), EnableIPv6: bool,
  IPAM: struct('network.IPAM', {
    Driver: str(), Options: stringMap,
    Config: slice(struct('network.IPAMConfig', { Subnet: str(), IPRange: str(), Gateway: str(), AuxiliaryAddresses: stringMap })),
  }),
  Internal: bool, Attachable: bool, Ingress: bool, ConfigOnly: bool,
  ConfigFrom: struct('network.ConfigReference', { Network: str() }), Options: stringMap, Labels: stringMap,
}) as GoType & { kind: 'struct' };

export const networkConnect = struct('types.NetworkConnect', { Container: str(), EndpointConfig: endpointSettings }) as GoType & { kind: 'struct' };
export const networkDisconnect = struct('types.NetworkDisconnect', { Container: str(), Force: bool }) as GoType & { kind: 'struct' };

/** The body of `POST /volumes/create`. */
export const volumeCreateBody = struct('volume.VolumeCreateBody', { Driver: str(), DriverOpts: stringMap, Labels: stringMap, Name: str() }) as GoType & { kind: 'struct' };
