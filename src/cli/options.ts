import type { DaemonConfig } from '../engine/config.js';

/**
 * Every daemon option, once: the flag, its daemon.json key (dockerd's name), the
 * DaemonConfig field it sets, and whether SIGHUP may change it on a live daemon.
 * Adding a daemon option is adding one row here (plus the field in DaemonConfig).
 *
 * `kind` says how the value is parsed: `list` flags repeat (`-H a -H b`) and are
 * JSON arrays in the file; `map` is a list in both places for now (storage-opts).
 */
export type OptionKind = 'string' | 'boolean' | 'number' | 'list';

/** The DaemonConfig fields an option may set (configFile is the file's own path). */
export type OptionField = Exclude<keyof DaemonConfig, 'configFile'>;

export interface DaemonOption {
  flag: string;
  alias?: string;
  /** daemon.json key; null for flags the file cannot set (as in dockerd). */
  key: string | null;
  field: OptionField;
  kind: OptionKind;
  reloadable: boolean;
  describe: string;
  /** Printed when the flag is used (classic names kept for old scripts). */
  deprecated?: string;
}

export const daemonOptions: readonly DaemonOption[] = [
  { flag: 'host', alias: 'H', key: 'hosts', field: 'hosts', kind: 'list', reloadable: false, describe: 'Daemon socket(s) to connect to: unix://PATH, tcp://HOST:PORT, fd://' },
  { flag: 'data-root', key: 'data-root', field: 'dataRoot', kind: 'string', reloadable: false, describe: 'Root directory of persistent berth state' },
  { flag: 'graph', alias: 'g', key: 'graph', field: 'dataRoot', kind: 'string', reloadable: false, describe: 'Root of the berth runtime (deprecated)', deprecated: 'Flag --graph has been deprecated, Use --data-root instead' },
  { flag: 'exec-root', key: 'exec-root', field: 'execRoot', kind: 'string', reloadable: false, describe: 'Root directory for execution state files' },
  { flag: 'pidfile', alias: 'p', key: 'pidfile', field: 'pidfile', kind: 'string', reloadable: false, describe: 'Path to use for daemon PID file' },
  { flag: 'storage-driver', alias: 's', key: 'storage-driver', field: 'storageDriver', kind: 'string', reloadable: false, describe: 'Storage driver to use' },
  { flag: 'storage-opt', key: 'storage-opts', field: 'storageOpts', kind: 'list', reloadable: false, describe: 'Storage driver options' },
  { flag: 'debug', alias: 'D', key: 'debug', field: 'debug', kind: 'boolean', reloadable: true, describe: 'Enable debug mode' },
  { flag: 'log-level', alias: 'l', key: 'log-level', field: 'logLevel', kind: 'string', reloadable: true, describe: 'Set the logging level ("debug"|"info"|"warn"|"error"|"fatal")' },
  { flag: 'insecure-tcp', key: null, field: 'insecureTcp', kind: 'boolean', reloadable: false, describe: 'Serve plain TCP on non-loopback addresses (no TLS: anyone who reaches the port is root)' },
  { flag: 'tls', key: 'tls', field: 'tls', kind: 'boolean', reloadable: false, describe: 'Use TLS; implied by --tlsverify' },
  { flag: 'tlsverify', key: 'tlsverify', field: 'tlsVerify', kind: 'boolean', reloadable: false, describe: 'Use TLS and verify the remote' },
  { flag: 'tlscacert', key: 'tlscacert', field: 'tlsCaCert', kind: 'string', reloadable: false, describe: 'Trust certs signed only by this CA (default "~/.docker/ca.pem")' },
  { flag: 'tlscert', key: 'tlscert', field: 'tlsCert', kind: 'string', reloadable: false, describe: 'Path to TLS certificate file (default "~/.docker/cert.pem")' },
  { flag: 'tlskey', key: 'tlskey', field: 'tlsKey', kind: 'string', reloadable: false, describe: 'Path to TLS key file (default "~/.docker/key.pem")' },
  { flag: 'label', key: 'labels', field: 'labels', kind: 'list', reloadable: true, describe: 'Set key=value labels to the daemon' },
  { flag: 'insecure-registry', key: 'insecure-registries', field: 'insecureRegistries', kind: 'list', reloadable: true, describe: 'Enable insecure registry communication' },
  { flag: 'registry-mirror', key: 'registry-mirrors', field: 'registryMirrors', kind: 'list', reloadable: true, describe: 'Preferred registry mirror' },
  { flag: 'max-concurrent-downloads', key: 'max-concurrent-downloads', field: 'maxConcurrentDownloads', kind: 'number', reloadable: true, describe: 'Set the max concurrent downloads for each pull' },
  { flag: 'max-concurrent-uploads', key: 'max-concurrent-uploads', field: 'maxConcurrentUploads', kind: 'number', reloadable: true, describe: 'Set the max concurrent uploads for each push' },
  { flag: 'max-download-attempts', key: 'max-download-attempts', field: 'maxDownloadAttempts', kind: 'number', reloadable: true, describe: 'Set the max download attempts for each pull' },
  { flag: 'cgroup-parent', key: 'cgroup-parent', field: 'cgroupParent', kind: 'string', reloadable: false, describe: 'Set parent cgroup for all containers' },
  { flag: 'live-restore', key: 'live-restore', field: 'liveRestore', kind: 'boolean', reloadable: true, describe: 'Enable live restore of containers when the daemon stops' },
  { flag: 'shutdown-timeout', key: 'shutdown-timeout', field: 'shutdownTimeout', kind: 'number', reloadable: true, describe: 'Set the default shutdown timeout' },
  { flag: 'init', key: 'init', field: 'init', kind: 'boolean', reloadable: true, describe: 'Run an init in the container to forward signals and reap processes' },
  { flag: 'init-path', key: 'init-path', field: 'initPath', kind: 'string', reloadable: false, describe: 'Path to the static init binary (default: tini-static or docker-init found on this machine)' },
  { flag: 'bridge', alias: 'b', key: 'bridge', field: 'bridge', kind: 'string', reloadable: false, describe: 'Attach containers to an existing network bridge ("none" disables the default network)' },
  { flag: 'bridge-name', key: 'bridge-name', field: 'bridgeName', kind: 'string', reloadable: false, describe: 'Name of the bridge berth creates for the default network when -b is not given' },
  { flag: 'iptables-chain-prefix', key: 'iptables-chain-prefix', field: 'iptablesChainPrefix', kind: 'string', reloadable: false, describe: 'Prefix of berth\'s own iptables chains (at most 10 characters)' },
  { flag: 'bip', key: 'bip', field: 'bip', kind: 'string', reloadable: false, describe: 'Specify network bridge IP' },
  { flag: 'fixed-cidr', key: 'fixed-cidr', field: 'fixedCidr', kind: 'string', reloadable: false, describe: 'IPv4 subnet for fixed IPs' },
  { flag: 'ipv6', key: 'ipv6', field: 'ipv6', kind: 'boolean', reloadable: false, describe: 'Enable IPv6 networking on the default bridge (addresses from --fixed-cidr-v6)' },
  { flag: 'fixed-cidr-v6', key: 'fixed-cidr-v6', field: 'fixedCidrV6', kind: 'string', reloadable: false, describe: 'IPv6 subnet for fixed IPs' },
  { flag: 'iptables', key: 'iptables', field: 'iptables', kind: 'boolean', reloadable: false, describe: 'Enable addition of iptables rules (default true)' },
  { flag: 'ip-forward', key: 'ip-forward', field: 'ipForward', kind: 'boolean', reloadable: false, describe: 'Enable net.ipv4.ip_forward (default true)' },
  { flag: 'ip-masq', key: 'ip-masq', field: 'ipMasq', kind: 'boolean', reloadable: false, describe: 'Enable IP masquerading (default true)' },
  { flag: 'icc', key: 'icc', field: 'icc', kind: 'boolean', reloadable: false, describe: 'Enable inter-container communication (default true)' },
  { flag: 'userland-proxy', key: 'userland-proxy', field: 'userlandProxy', kind: 'boolean', reloadable: false, describe: 'Use userland proxy for loopback traffic (default true)' },
  { flag: 'ip', key: 'ip', field: 'ip', kind: 'string', reloadable: false, describe: 'Default IP when binding container ports (default 0.0.0.0)' },
  { flag: 'host-gateway-ip', key: 'host-gateway-ip', field: 'hostGatewayIp', kind: 'string', reloadable: false, describe: 'IP address that the special \'host-gateway\' string in --add-host resolves to (default: the default bridge\'s gateway)' },
  { flag: 'dns', key: 'dns', field: 'dns', kind: 'list', reloadable: false, describe: 'DNS server to use' },
  { flag: 'dns-search', key: 'dns-search', field: 'dnsSearch', kind: 'list', reloadable: false, describe: 'DNS search domains to use' },
  { flag: 'dns-opt', key: 'dns-opts', field: 'dnsOpts', kind: 'list', reloadable: false, describe: 'DNS options to use' },
  { flag: 'log-driver', key: 'log-driver', field: 'logDriver', kind: 'string', reloadable: false, describe: 'Default driver for container logs' },
  { flag: 'log-opt', key: 'log-opts', field: 'logOpts', kind: 'list', reloadable: false, describe: 'Default log driver options for containers (key=value)' },
  { flag: 'mtu', key: 'mtu', field: 'mtu', kind: 'number', reloadable: false, describe: 'Set the containers network MTU' },
  { flag: 'default-address-pools', key: 'default-address-pools', field: 'defaultAddressPools', kind: 'list', reloadable: false, describe: 'Default address pools for node specific local networks (base=CIDR,size=N)' },
  { flag: 'experimental', key: 'experimental', field: 'experimental', kind: 'boolean', reloadable: false, describe: 'Enable experimental features' },
  { flag: 'max-build-context', key: 'max-build-context', field: 'maxBuildContext', kind: 'number', reloadable: false, describe: 'Largest build context accepted, in bytes (default: $BERTH_MAX_BUILD_CONTEXT, else 8 GiB)' },
];

/** The log levels dockerd accepts (logrus names; `warning` is an alias of warn). */
export const logLevels = ['debug', 'info', 'warn', 'error', 'fatal'] as const;

export function optionByKey(key: string): DaemonOption | undefined {
  return daemonOptions.find((o) => o.key === key);
}
