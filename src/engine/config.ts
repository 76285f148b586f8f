import type { LogLevel } from './log.js';

/**
 * The daemon's configuration after flags and the config file are merged
 * (src/cli builds it). Key names follow dockerd's daemon.json where one exists.
 */
export interface DaemonConfig {
  hosts: string[];
  dataRoot: string;
  execRoot: string;
  pidfile: string;
  storageDriver: string | null;
  storageOpts: string[];
  debug: boolean;
  logLevel: LogLevel;
  configFile: string | null;
  /** Serve plain TCP on a non-loopback address (refused unless set). */
  insecureTcp: boolean;
  /** `--tls`: TCP listeners serve TLS with tlsCert and tlsKey (implied by tlsVerify). */
  tls: boolean;
  /** `--tlsverify`: TCP clients must show a certificate signed by tlsCaCert. */
  tlsVerify: boolean;
  /** PEM files; empty means dockerd's default, `$DOCKER_CERT_PATH` or `~/.docker`, with ca.pem, cert.pem, key.pem. */
  tlsCaCert: string;
  tlsCert: string;
  tlsKey: string;
  labels: string[];
  insecureRegistries: string[];
  registryMirrors: string[];
  maxConcurrentDownloads: number;
  maxConcurrentUploads: number;
  maxDownloadAttempts: number;
  experimental: boolean;
  /** `--cgroup-parent`: the cgroup containers go under unless they name their own. */
  cgroupParent: string;
  /** `--live-restore`: containers keep running when the daemon shuts down. */
  liveRestore: boolean;
  /** `--shutdown-timeout`: seconds to wait for containers to stop at shutdown. */
  shutdownTimeout: number;
  /** `--init`: run an init as PID 1 in every container unless it says otherwise. */
  init: boolean;
  /** `--init-path`: the static init binary (tini's); found on the machine when empty. */
  initPath: string;
  /** `-b/--bridge`: an existing bridge for the default network, or `none` for no default network. */
  bridge: string;
  /** The bridge berth creates for the default network when -b is not given (`berth0`). */
  bridgeName: string;
  /** Prefix of berth's own iptables chains (`BERTH`, `BERTH-ISOLATION-STAGE-1`...). */
  iptablesChainPrefix: string;
  /** `--bip`: the default bridge's address and prefix (`10.20.0.1/24`). */
  bip: string;
  /** `--fixed-cidr`: where default-bridge addresses are allocated from. */
  fixedCidr: string;
  /** `--ipv6`: the default bridge gets IPv6 addresses from `--fixed-cidr-v6`. */
  ipv6: boolean;
  /** `--fixed-cidr-v6`: the default bridge's IPv6 subnet (its first address is the gateway). */
  fixedCidrV6: string;
  iptables: boolean;
  ipForward: boolean;
  ipMasq: boolean;
  icc: boolean;
  userlandProxy: boolean;
  /** `--ip`: the host address published ports bind to by default. */
  ip: string;
  /** `--host-gateway-ip`: what `host-gateway` in --add-host becomes; '' for the default bridge's gateway. */
  hostGatewayIp: string;
  dns: string[];
  dnsSearch: string[];
  dnsOpts: string[];
  /** `--log-driver`: the log driver of containers that name none. */
  logDriver: string;
  /** `--log-opt key=value` (daemon.json's `log-opts` object): options of containers using the default driver, where they set none. */
  logOpts: string[];
  /** `--mtu`: 0 means 1500, as dockerd. */
  mtu: number;
  /** `--default-address-pools base=10.10.0.0/16,size=24` entries. */
  defaultAddressPools: string[];
  /** `--max-build-context`: largest build context in bytes; 0: $BERTH_MAX_BUILD_CONTEXT, else 8 GiB. */
  maxBuildContext: number;
}

export const defaultConfig: DaemonConfig = {
  hosts: ['unix:///var/run/berth.sock'],
  dataRoot: '/var/lib/berth',
  execRoot: '/var/run/berth',
  pidfile: '/var/run/berth.pid',
  storageDriver: null,
  storageOpts: [],
  debug: false,
  logLevel: 'info',
  configFile: null,
  insecureTcp: false,
  tls: false,
  tlsVerify: false,
  tlsCaCert: '',
  tlsCert: '',
  tlsKey: '',
  labels: [],
  insecureRegistries: [],
  registryMirrors: [],
  maxConcurrentDownloads: 3,
  maxConcurrentUploads: 5,
  maxDownloadAttempts: 5,
  experimental: false,
  cgroupParent: 'berth',
  liveRestore: false,
  shutdownTimeout: 15,
  init: false,
  initPath: '',
  bridge: '',
  bridgeName: 'berth0',
  iptablesChainPrefix: 'BERTH',
  bip: '',
  fixedCidr: '',
  ipv6: false,
  fixedCidrV6: '',
  iptables: true,
  ipForward: true,
  ipMasq: true,
  icc: true,
  userlandProxy: true,
  ip: '0.0.0.0',
  hostGatewayIp: '',
  dns: [],
  dnsSearch: [],
  dnsOpts: [],
  logDriver: 'json-file',
  logOpts: [],
  mtu: 0,
  defaultAddressPools: [],
  maxBuildContext: 0,
};

/** berth's version and the API range it serves (dockerd 20.10's). */
export const VERSION = '0.1.0';
export const API_VERSION = '1.41';
export const MIN_API_VERSION = '1.12';
