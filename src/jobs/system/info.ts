import os from 'node:os';
import { VERSION } from '../../engine/config.js';
import type { DaemonConfig } from '../../engine/config.js';
import type { Handler } from '../context.js';
import { goOrder } from '../containers/config.js';
import { RUNTIME_NAMES } from '../containers/validate-config.js';
import { daemonId } from './daemon-id.js';
import { listenerCount } from './events.js';
import { cgroupFeatures, cgroupVersion, machine, openFds, osRelease, procSwitch, proxyEnv } from './host.js';

const BRIDGE_NF_IPTABLES = '/proc/sys/net/bridge/bridge-nf-call-iptables';
const BRIDGE_NF_IP6TABLES = '/proc/sys/net/bridge/bridge-nf-call-ip6tables';
const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';

/**
 * `GET /info`, field for field as dockerd 20.10's types.Info, with real figures:
 * counts from the store, limits from the kernel's cgroup files, switches from
 * /proc/sys. Fields berth has no counterpart for keep dockerd's empty values, so
 * both CLIs print the page without complaint.
 */
export const systemInfo: Handler<'system_info'> = async (_job, ctx) => {
  const { config, graph } = ctx;
  const counts = ctx.containers?.counts() ?? { total: 0, running: 0, paused: 0, stopped: 0 };
  const cgv = cgroupVersion();
  const features = cgroupFeatures(cgv);
  const release = osRelease();
  const bridgeNf = procSwitch(BRIDGE_NF_IPTABLES);
  const forwarding = procSwitch(IP_FORWARD);
  return {
    ID: daemonId(ctx.store),
    Containers: counts.total,
    ContainersRunning: counts.running,
    ContainersPaused: counts.paused,
    ContainersStopped: counts.stopped,
    Images: graph.imageCount(),
    Driver: graph.driver.name,
    DriverStatus: graph.driver.status(),
    Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'null'], Authorization: null, Log: ['json-file'] },
    // dockerd's Info has OomKillDisable after NFd, apart from the other cgroup features.
    ...withoutOomKill(features),
    IPv4Forwarding: forwarding,
    BridgeNfIptables: bridgeNf,
    BridgeNfIp6tables: procSwitch(BRIDGE_NF_IP6TABLES),
    Debug: config.debug,
    NFd: openFds(),
    OomKillDisable: features.OomKillDisable,
    NGoroutines: process.getActiveResourcesInfo().length,
    SystemTime: systemTime(),
    LoggingDriver: ctx.config.logDriver,
    CgroupDriver: 'cgroupfs',
    CgroupVersion: cgv,
    NEventsListener: listenerCount(ctx.events),
    KernelVersion: os.release(),
    OperatingSystem: release.pretty,
    OSVersion: release.version,
    OSType: 'linux',
    Architecture: machine(),
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: registryConfig(config),
    NCPU: os.availableParallelism(),
    MemTotal: os.totalmem(),
    GenericResources: null,
    DockerRootDir: config.dataRoot,
    HttpProxy: proxyEnv('HTTP_PROXY', 'http_proxy'),
    HttpsProxy: proxyEnv('HTTPS_PROXY', 'https_proxy'),
    NoProxy: proxyEnv('NO_PROXY', 'no_proxy'),
    Name: os.hostname(),
    Labels: config.labels,
    ExperimentalBuild: config.experimental,
    ServerVersion: VERSION,
    // Every runtime name a create accepts, all served by berth's shim; the default is the
    // name a start writes into HostConfig.Runtime, as dockerd's (runc), so the two agree.
    Runtimes: goOrder(Object.fromEntries(RUNTIME_NAMES.map((n) => [n, { path: 'berth-shim' }]))),
    DefaultRuntime: 'runc',
    Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
    LiveRestoreEnabled: ctx.config.liveRestore,
    Isolation: '',
    InitBinary: '',
    // berth runs containers through its own shim, not containerd and runc: nothing to report.
    ContainerdCommit: { ID: 'N/A', Expected: 'N/A' },
    RuncCommit: { ID: 'N/A', Expected: 'N/A' },
    InitCommit: { ID: 'N/A', Expected: 'N/A' },
    // What is enforced, in dockerd's order: every container gets the default seccomp
    // profile unless it asks otherwise; cgroup namespaces on the unified hierarchy.
    SecurityOptions: ['name=seccomp,profile=default', ...(cgv === '2' ? ['name=cgroupns'] : [])],
    Warnings: warnings(config, features.SwapLimit, features.KernelMemory, bridgeNf, forwarding),
  };
};

/** RegistryConfig as dockerd's registry service reports it: loopback is always insecure. */
function registryConfig(config: DaemonConfig) {
  const cidrs = ['127.0.0.0/8'];
  const indexConfigs: Record<string, { Name: string; Mirrors: string[]; Secure: boolean; Official: boolean }> = {
    'docker.io': { Name: 'docker.io', Mirrors: config.registryMirrors, Secure: true, Official: true },
  };
  for (const r of config.insecureRegistries) {
    if (/^[0-9a-f.:]+\/\d+$/i.test(r)) {
      if (!cidrs.includes(r)) cidrs.push(r);
    } else {
      indexConfigs[r] = { Name: r, Mirrors: [], Secure: false, Official: false };
    }
  }
  return {
    AllowNondistributableArtifactsCIDRs: [],
    AllowNondistributableArtifactsHostnames: [],
    InsecureRegistryCIDRs: cidrs,
    IndexConfigs: indexConfigs,
    Mirrors: config.registryMirrors,
  };
}

/** dockerd's warnings for the same conditions, in its words; null when there are none. */
function warnings(config: DaemonConfig, swap: boolean, kmem: boolean, bridgeNf: boolean, forwarding: boolean): string[] | null {
  const out: string[] = [];
  for (const h of config.hosts) {
    const m = /^tcp:\/\/([^/]*)$/.exec(h);
    if (m && config.insecureTcp && !/^(127\.|\[::1\]|localhost)/.test(m[1]!)) {
      out.push(`WARNING: API is accessible on http://${m[1]} without encryption.\n         Access to the remote API is equivalent to root access on the host. Refer\n         to the 'Docker daemon attack surface' section in the documentation for\n         more information: https://docs.docker.com/go/attack-surface/`);
    }
  }
  if (!swap) out.push('WARNING: No swap limit support');
  if (!kmem && cgroupVersion() === '1') out.push('WARNING: No kernel memory limit support');
  if (!forwarding) out.push('WARNING: IPv4 forwarding is disabled');
  if (!bridgeNf) out.push('WARNING: bridge-nf-call-iptables is disabled');
  return out.length ? out : null;
}

/** Now, as Go's RFC3339Nano (nanoseconds from the high-resolution clock's sub-ms part). */
function systemTime(): string {
  const now = new Date();
  const subMs = String(process.hrtime.bigint() % 1_000_000n).padStart(6, '0');
  return now.toISOString().replace(/Z$/, `${subMs}Z`);
}

function withoutOomKill<T extends { OomKillDisable: boolean }>(f: T): Omit<T, 'OomKillDisable'> {
  const { OomKillDisable: _, ...rest } = f;
  return rest;
}
