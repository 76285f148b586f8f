/**
 * `buildSpec`: one container's settings (image config + HostConfig, already parsed)
 * → the OCI `config.json` the berth-shim runs, with Docker's defaults: capability set,
 * mounts, masked and read-only /proc paths, devices, seccomp profile, sysctls, env.
 * Pure: every fact about the host (its devices, arch, kernel) comes in through the input.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { InvalidParameter } from '../engine/errors.js';
import { containerCapabilities, DOCKER_LAST_CAP } from './capabilities.js';
import { processEnv } from './process-env.js';
import { cpuQuota, memorySwapTotal, type Resources } from './cgroups/resources.js';
import { defaultDevices } from './devices.js';
import {
  bindMount, cgroupViewMounts, defaultMounts, DEFAULT_SHM_SIZE, mergeMounts, tmpfsMount,
  type CgroupHierarchy, type Propagation,
} from './mounts.js';
import {
  OCI_VERSION, type OciDevice, type OciMount, type OciNamespace, type OciNamespaceType,
  type OciResources, type OciRlimit, type OciSeccomp, type OciSpec,
} from './oci.js';
import { defaultSeccompProfile, parseSeccompProfile, type SeccompHost } from './seccomp.js';
import { defaultSysctls, validateSysctls } from './sysctl.js';
import { rlimitValue } from './options.js';

/** Paths hidden from the container: kernel memory, keys, timers, firmware. */
export const MASKED_PATHS: readonly string[] = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats',
  '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware',
];

/** /proc entries that would reconfigure the host if written: mounted read-only. */
export const READONLY_PATHS: readonly string[] = [
  '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger',
];

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * How a container gets a namespace: a new one (`new`), the host's (`host`: no entry
 * in the spec), or another process's (`{ joinPid }` → `/proc/<pid>/ns/<x>`).
 */
export type NamespaceChoice = 'new' | 'host' | { joinPid: number };

export type SeccompChoice =
  | { mode: 'default' }
  | { mode: 'unconfined' }
  /** The profile JSON itself (the CLI sends the file's contents). */
  | { mode: 'profile'; json: string };

export interface UlimitSpec {
  /** `nofile`, `nproc`... (no RLIMIT_ prefix). */
  name: string;
  soft: number;
  hard: number;
}

export interface BindInput {
  source: string;
  destination: string;
  readOnly: boolean;
  propagation?: Propagation;
}

export interface ContainerSpecInput {
  /** Container id: names the cgroup (`/<cgroupParent>/<id>`). */
  id: string;
  /** Host path of the mounted rootfs. */
  rootfs: string;
  /** Entrypoint + Cmd, already combined; `args[0]` is the program. */
  args: string[];
  /** Image `Env`; `env` (the `-e` values) overrides it key by key. */
  imageEnv?: string[];
  env?: string[];
  /** `-w`, else the image's WorkingDir; `/` when empty. */
  workingDir?: string;
  /** Numeric ids, from `resolveUser` (root with group 0 when absent). */
  user?: { uid: number; gid: number; additionalGids?: number[] };
  /** `-h`; dockerd defaults it to the first 12 characters of the id. */
  hostname?: string;
  domainname?: string;
  tty?: boolean;
  consoleSize?: { height: number; width: number };
  readonlyRootfs?: boolean;
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  /** Highest capability number to grant with `--privileged`/`ALL` (dockerd 20.10: 37). */
  capLastCap?: number;
  /** The daemon's bounding set (`hostBoundingCapabilities()`): caps `--privileged`/`ALL` to it. */
  hostCapabilities?: string[];
  noNewPrivileges?: boolean;
  /** `--oom-score-adj`; 0 when absent, written all the same (dockerd's spec always carries it). */
  oomScoreAdj?: number;
  seccomp?: SeccompChoice;
  /** `--ulimit`, and the daemon's `--default-ulimit` (the container's win by name). */
  ulimits?: UlimitSpec[];
  defaultUlimits?: UlimitSpec[];
  sysctls?: Record<string, string>;
  /** `--shm-size` in bytes; 64 MiB when absent. */
  shmSize?: number;
  /** `--tmpfs`: destination → options (`size=64m,mode=1777`). */
  tmpfs?: Record<string, string>;
  /** `-v` binds (volumes already resolved to their host paths). */
  binds?: BindInput[];
  /** Daemon-made mounts: /etc/hosts, /etc/hostname, /etc/resolv.conf, a shared /dev/shm... */
  extraMounts?: OciMount[];
  network?: NamespaceChoice;
  /** `none` is a new IPC namespace without /dev/shm. */
  ipc?: NamespaceChoice | 'none';
  pid?: NamespaceChoice;
  uts?: NamespaceChoice;
  /** `--cgroupns`: dockerd 20.10 defaults to `host` on cgroup v1 and `private` on v2. */
  cgroupns?: 'host' | 'private';
  /** Device nodes of the host, for `--privileged` (see `hostDevices()`). */
  hostDevices?: OciDevice[];
  /** Nodes added with `--device` (they replace a default of the same path). */
  extraDevices?: OciDevice[];
  /** Where the shims keep compiled seccomp programs (root's only), under the exec root. */
  seccompCacheDir?: string;
  resources?: Resources;
  /**
   * The container's cgroup directories (`CgroupManager.hierarchies()`). When given,
   * /sys/fs/cgroup is made of binds of them instead of one mount of type `cgroup`
   * (which runc understands but berth-shim does not).
   */
  cgroupView?: CgroupHierarchy[];
  /** Parent cgroup name (`--cgroup-parent`); `berth` by default. */
  cgroupParent?: string;
  /** Host arch/kernel for seccomp rule selection; `process.arch` and `uname -r` by default. */
  host?: SeccompHost;
}

const NS_FILES: Record<OciNamespaceType, string> = {
  pid: 'pid', network: 'net', mount: 'mnt', ipc: 'ipc', uts: 'uts', user: 'user', cgroup: 'cgroup',
};

function namespace(type: OciNamespaceType, choice: NamespaceChoice | 'none' | undefined): OciNamespace[] {
  if (choice === 'host') return [];
  if (choice === undefined || choice === 'new' || choice === 'none') return [{ type }];
  if (!Number.isInteger(choice.joinPid) || choice.joinPid <= 0) {
    throw new InvalidParameter(`invalid pid to join the ${type} namespace: ${choice.joinPid}`);
  }
  return [{ type, path: `/proc/${choice.joinPid}/ns/${NS_FILES[type]}` }];
}

/** The annotation naming a profile's compiled-filter file for berth-shim. */
export const SECCOMP_CACHE_ANNOTATION = 'org.berth.seccomp.cache';

function rlimits(input: ContainerSpecInput): OciRlimit[] {
  const byName = new Map<string, UlimitSpec>();
  for (const u of [...(input.defaultUlimits ?? []), ...(input.ulimits ?? [])]) byName.set(u.name.toLowerCase(), u);
  return [...byName.values()].map((u) => ({
    type: `RLIMIT_${u.name.toUpperCase()}`, hard: rlimitValue(u.hard), soft: rlimitValue(u.soft),
  }));
}

function resources(r: Resources | undefined): OciResources {
  if (!r) return {};
  const out: OciResources = {};
  if (r.memory || r.memorySwap || r.memorySwappiness !== undefined) {
    out.memory = {};
    if (r.memory) out.memory.limit = r.memory;
    const swap = memorySwapTotal(r);
    if (swap !== undefined) out.memory.swap = swap;
    if (r.memorySwappiness !== undefined) out.memory.swappiness = r.memorySwappiness;
  }
  const q = cpuQuota(r);
  if (r.cpuShares || q || r.cpusetCpus || r.cpusetMems) {
    out.cpu = {};
    if (r.cpuShares) out.cpu.shares = r.cpuShares;
    if (q) Object.assign(out.cpu, q);
    if (r.cpusetCpus) out.cpu.cpus = r.cpusetCpus;
    if (r.cpusetMems) out.cpu.mems = r.cpusetMems;
  }
  if (r.pidsLimit && r.pidsLimit > 0) out.pids = { limit: r.pidsLimit };
  if (r.blkioWeight) out.blockIO = { weight: r.blkioWeight };
  return out;
}

function seccompSection(input: ContainerSpecInput, caps: string[]): OciSeccomp | undefined {
  // dockerd runs privileged containers unconfined whatever --security-opt says.
  if (input.privileged) return undefined;
  const choice = input.seccomp ?? { mode: 'default' };
  if (choice.mode === 'unconfined') return undefined;
  if (choice.mode === 'profile') return parseSeccompProfile(choice.json, caps, input.host);
  return defaultSeccompProfile(caps, input.host);
}

function mounts(input: ContainerSpecInput): OciMount[] {
  // dockerd's collection order (binds, its own files, then tmpfs), sorted by depth below.
  const user: OciMount[] = [
    ...(input.binds ?? []).map(bindMount),
    ...(input.extraMounts ?? []),
    ...Object.entries(input.tmpfs ?? {}).map(([dest, data]) => tmpfsMount(dest, data)),
  ];
  const userDests = new Set(user.map((m) => m.destination));
  let defaults = defaultMounts(input.shmSize || DEFAULT_SHM_SIZE);
  if (input.cgroupView) {
    const at = defaults.findIndex((m) => m.type === 'cgroup');
    const view = cgroupViewMounts(input.cgroupView, input.privileged ?? false);
    defaults = [...defaults.slice(0, at), ...view, ...defaults.slice(at + 1)];
  }
  const all = mergeMounts(defaults, user, { noShm: input.ipc === 'none' });
  return all.map((m) => {
    let options = [...m.options];
    // The tmpfs under the cgroup binds must stay writable for their targets to be made.
    if (m.destination === '/sys/fs/cgroup' && m.type === 'tmpfs') return { ...m, options };
    // --read-only: everything that is not the user's or a kernel filesystem becomes ro.
    const kernelFs = ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue'].includes(m.destination);
    if (input.readonlyRootfs && !kernelFs && !userDests.has(m.destination) && !options.includes('ro')) {
      options.push('ro');
    }
    // --privileged: /sys and the cgroup tree become writable.
    if (input.privileged && !userDests.has(m.destination) && (m.destination === '/sys' || m.type === 'cgroup')) {
      options = options.filter((o) => o !== 'ro');
    }
    return { ...m, options };
  });
}

/** Builds the OCI runtime spec of one container. Throws InvalidParameter with dockerd's words. */
export function buildSpec(input: ContainerSpecInput): OciSpec {
  if (input.args.length === 0) throw new InvalidParameter('No command specified');
  const caps = containerCapabilities({
    privileged: input.privileged ?? false,
    capAdd: input.capAdd ?? [],
    capDrop: input.capDrop ?? [],
    lastCap: input.capLastCap ?? DOCKER_LAST_CAP,
    ...(input.hostCapabilities ? { hostCapabilities: input.hostCapabilities } : {}),
  });
  const hostname = input.hostname ?? input.id.slice(0, 12);
  const namespaces: OciNamespace[] = [
    { type: 'mount' },
    ...namespace('network', input.network),
    ...namespace('uts', input.uts),
    ...namespace('pid', input.pid),
    ...namespace('ipc', input.ipc),
    ...(input.cgroupns === 'private' ? [{ type: 'cgroup' as const }] : []),
  ];
  const has = (t: OciNamespaceType): boolean => namespaces.some((n) => n.type === t);
  const ownNetwork = input.network === undefined || input.network === 'new';
  const userSysctls = input.sysctls ?? {};
  validateSysctls(userSysctls, { ipc: has('ipc'), network: has('network'), uts: has('uts') });
  const sysctl = { ...defaultSysctls(ownNetwork), ...userSysctls };
  if (input.domainname) sysctl['kernel.domainname'] = input.domainname;

  // dockerd's order: PATH when the image has none, HOSTNAME, TERM for a tty, then the env.
  const env = processEnv(
    [`PATH=${DEFAULT_PATH}`, `HOSTNAME=${hostname}`, ...(input.tty ? ['TERM=xterm'] : [])],
    input.imageEnv,
    input.env,
  );
  // dockerd always lists the primary group first among the additional ones.
  const user = input.user ?? { uid: 0, gid: 0, additionalGids: [0] };
  const spec: OciSpec = {
    ociVersion: OCI_VERSION,
    process: {
      terminal: input.tty ?? false,
      user: { uid: user.uid, gid: user.gid, additionalGids: [...(user.additionalGids ?? [])] },
      args: [...input.args],
      env,
      cwd: input.workingDir || '/',
      // Root gets the set; another uid only the bounding set, as execve would leave a
      // non-root program. Nothing is inheritable or ambient (dockerd since CVE-2022-24769).
      capabilities: {
        bounding: caps,
        effective: user.uid === 0 ? caps : [],
        permitted: user.uid === 0 ? caps : [],
        inheritable: [],
        ambient: [],
      },
      rlimits: rlimits(input),
      noNewPrivileges: input.noNewPrivileges ?? false,
      oomScoreAdj: input.oomScoreAdj ?? 0,
    },
    root: { path: input.rootfs, readonly: input.readonlyRootfs ?? false },
    hostname: has('uts') ? hostname : '',
    mounts: mounts(input),
    linux: {
      namespaces,
      devices: mergeDevices(defaultDevices(), (input.privileged ? input.hostDevices : input.extraDevices) ?? []),
      maskedPaths: input.privileged ? [] : [...MASKED_PATHS],
      readonlyPaths: input.privileged ? [] : [...READONLY_PATHS],
      sysctl,
      resources: resources(input.resources),
      cgroupsPath: `/${input.cgroupParent ?? 'berth'}/${input.id}`,
      rootfsPropagation: rootPropagation(input.binds ?? []),
    },
  };
  if (input.consoleSize) spec.process.consoleSize = { ...input.consoleSize };
  const seccomp = seccompSection(input, caps);
  if (seccomp) spec.linux.seccomp = seccomp;
  // The shim compiles a profile once per host: later shims read the program it left
  // in a file named by the profile's digest (the shim adds its libseccomp's version).
  if (seccomp && input.seccompCacheDir) {
    const digest = createHash('sha256').update(JSON.stringify(seccomp)).digest('hex');
    spec.annotations = { [SECCOMP_CACHE_ANNOTATION]: join(input.seccompCacheDir, digest) };
  }
  return spec;
}

/** Host or mapped devices replace the defaults of the same path. */
function mergeDevices(defaults: OciDevice[], host: OciDevice[]): OciDevice[] {
  const paths = new Set(host.map((d) => d.path));
  return [...defaults.filter((d) => !paths.has(d.path)), ...host];
}

/**
 * The propagation of the container's `/`: rslave (runc's default, which dockerd relies
 * on: host mounts reach the container, never the reverse), or shared when a bind asks
 * for shared propagation, which needs a shared root to work.
 */
function rootPropagation(binds: BindInput[]): string {
  if (binds.some((b) => b.propagation === 'shared' || b.propagation === 'rshared')) return 'shared';
  return 'rslave';
}
