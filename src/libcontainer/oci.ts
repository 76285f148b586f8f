/**
 * The OCI runtime-spec (v1.0.2) `config.json` shape that `buildSpec` produces and the
 * berth-shim consumes. Only the fields berth uses are typed; names and nesting follow
 * the runtime-spec exactly so the same bundle could be handed to runc or crun.
 */

export const OCI_VERSION = '1.0.2';

export interface OciUser {
  uid: number;
  gid: number;
  additionalGids?: number[];
}

/** Capability names carry the `CAP_` prefix, as the runtime-spec requires. */
export interface OciCapabilities {
  bounding: string[];
  effective: string[];
  permitted: string[];
  inheritable: string[];
  ambient: string[];
}

export interface OciRlimit {
  /** `RLIMIT_NOFILE`, `RLIMIT_NPROC`... */
  type: string;
  hard: number;
  soft: number;
}

export interface OciProcess {
  terminal: boolean;
  consoleSize?: { height: number; width: number };
  user: OciUser;
  args: string[];
  env: string[];
  cwd: string;
  capabilities: OciCapabilities;
  rlimits: OciRlimit[];
  noNewPrivileges: boolean;
  /** `--oom-score-adj`, written to /proc/self/oom_score_adj before the exec (absent: inherited). */
  oomScoreAdj?: number;
}

export interface OciRoot {
  path: string;
  readonly: boolean;
}

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

export type OciNamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup';

/** A namespace to create (no path) or to join (path `/proc/<pid>/ns/<x>`). */
export interface OciNamespace {
  type: OciNamespaceType;
  path?: string;
}

export interface OciDevice {
  path: string;
  /** `c` character, `b` block, `p` fifo. */
  type: 'c' | 'b' | 'u' | 'p';
  major: number;
  minor: number;
  fileMode: number;
  uid: number;
  gid: number;
}

export type SeccompAction =
  | 'SCMP_ACT_KILL'
  | 'SCMP_ACT_KILL_PROCESS'
  | 'SCMP_ACT_KILL_THREAD'
  | 'SCMP_ACT_TRAP'
  | 'SCMP_ACT_ERRNO'
  | 'SCMP_ACT_TRACE'
  | 'SCMP_ACT_ALLOW'
  | 'SCMP_ACT_LOG';

export type SeccompOperator =
  | 'SCMP_CMP_NE'
  | 'SCMP_CMP_LT'
  | 'SCMP_CMP_LE'
  | 'SCMP_CMP_EQ'
  | 'SCMP_CMP_GE'
  | 'SCMP_CMP_GT'
  | 'SCMP_CMP_MASKED_EQ';

/** libseccomp architecture names (`SCMP_ARCH_X86_64`...). */
export type SeccompArch = string;

export interface OciSeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: SeccompOperator;
}

export interface OciSyscall {
  names: string[];
  action: SeccompAction;
  /** errno returned with SCMP_ACT_ERRNO; EPERM (1) when absent. */
  errnoRet?: number;
  args?: OciSeccompArg[];
}

export interface OciSeccomp {
  defaultAction: SeccompAction;
  /** errno of the default action (runtime-spec 1.0.2 leaves it to the runtime: EPERM). */
  defaultErrnoRet?: number;
  architectures: SeccompArch[];
  syscalls: OciSyscall[];
}

/** Informational copy of the limits; the daemon applies them through src/libcontainer/cgroups. */
export interface OciResources {
  memory?: { limit?: number; swap?: number; swappiness?: number };
  cpu?: { shares?: number; quota?: number; period?: number; cpus?: string; mems?: string };
  pids?: { limit: number };
  blockIO?: { weight?: number };
}

export interface OciLinux {
  namespaces: OciNamespace[];
  devices: OciDevice[];
  maskedPaths: string[];
  readonlyPaths: string[];
  sysctl: Record<string, string>;
  seccomp?: OciSeccomp;
  resources: OciResources;
  cgroupsPath: string;
  rootfsPropagation: string;
}

export interface OciSpec {
  ociVersion: string;
  process: OciProcess;
  root: OciRoot;
  hostname: string;
  mounts: OciMount[];
  linux: OciLinux;
  annotations?: Record<string, string>;
}
