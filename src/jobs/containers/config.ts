import type { HealthConfig } from '../../graph/archive/healthcheck.js';
import { InvalidParameter } from '../../engine/errors.js';
import type { ContainerConfig } from '../../graph/types.js';
import type { CreateBody, HostConfig } from './types.js';

const envKey = (e: string) => e.split('=', 1)[0]!;

/** A map with its keys sorted, the order Go's encoding/json gives every map dockerd shows. */
export function goOrder<T>(m: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The user's config with the image's defaults merged in, by dockerd's rules: User,
 * WorkingDir, StopSignal from the image when unset; the image's Env entries whose
 * key the user did not set are appended; Labels, ExposedPorts and Volumes are the
 * union (the user's win); Cmd comes from the image only when the user gave neither
 * Cmd nor Entrypoint, and Entrypoint only when the user gave none.
 */
export function mergeConfig(body: CreateBody, image: ContainerConfig | undefined, id: string): ContainerConfig {
  const { HostConfig: _h, NetworkingConfig: _n, ...user } = body;
  const img = image ?? {};
  const c: ContainerConfig = {
    Hostname: user.Hostname || id.slice(0, 12),
    Domainname: user.Domainname ?? '',
    User: user.User || img.User || '',
    AttachStdin: user.AttachStdin ?? false,
    AttachStdout: user.AttachStdout ?? false,
    AttachStderr: user.AttachStderr ?? false,
    Tty: user.Tty ?? false,
    OpenStdin: user.OpenStdin ?? false,
    StdinOnce: user.StdinOnce ?? false,
    Env: null, Cmd: null, Image: user.Image ?? '', Volumes: null, WorkingDir: user.WorkingDir || img.WorkingDir || '',
    Entrypoint: null, OnBuild: user.OnBuild ?? null, Labels: {},
  };
  const ports = { ...(img.ExposedPorts ?? {}), ...(user.ExposedPorts ?? {}) };
  if (Object.keys(ports).length > 0) c.ExposedPorts = goOrder(ports);
  const env = [...(user.Env ?? [])];
  const keys = new Set(env.map(envKey));
  for (const e of img.Env ?? []) if (!keys.has(envKey(e))) env.push(e);
  c.Env = env.length > 0 ? env : null;
  const volumes = { ...(img.Volumes ?? {}), ...(user.Volumes ?? {}) };
  c.Volumes = Object.keys(volumes).length > 0 ? goOrder(volumes) : null;
  c.Labels = goOrder({ ...(img.Labels ?? {}), ...(user.Labels ?? {}) });
  // Kept as given: the endpoint on NetworkMode's network takes it (see network/join.ts).
  if (typeof user['MacAddress'] === 'string' && user['MacAddress']) c['MacAddress'] = user['MacAddress'];
  let cmd = user.Cmd ?? null;
  let entrypoint = user.Entrypoint ?? null;
  if (!entrypoint || entrypoint.length === 0) {
    if (!cmd || cmd.length === 0) {
      cmd = img.Cmd ?? null;
      if (img.ArgsEscaped) c.ArgsEscaped = true;
    }
    if (entrypoint === null) entrypoint = img.Entrypoint ?? null;
  }
  c.Cmd = cmd;
  // `--entrypoint ''` sends [""]: the image's entrypoint and cmd are not inherited, and no entrypoint is left.
  c.Entrypoint = entrypoint?.length === 1 && entrypoint[0] === '' ? null : entrypoint;
  const health = mergeHealthcheck(user.Healthcheck as HealthConfig | null | undefined, img.Healthcheck as HealthConfig | null | undefined);
  if (health) c.Healthcheck = omitEmpty(health);
  const stopSignal = user.StopSignal || img.StopSignal;
  if (stopSignal) c.StopSignal = stopSignal;
  if (typeof user['StopTimeout'] === 'number') c['StopTimeout'] = user['StopTimeout'];
  const shell = user.Shell?.length ? user.Shell : img.Shell;
  if (shell?.length) c.Shell = shell;
  if ((c.Entrypoint?.length ?? 0) === 0 && (c.Cmd?.length ?? 0) === 0) throw new InvalidParameter('No command specified');
  if (c.WorkingDir && !c.WorkingDir.startsWith('/')) {
    throw new InvalidParameter(`the working directory '${c.WorkingDir}' is invalid, it needs to be an absolute path`);
  }
  return c;
}

/** Path and Args: the entrypoint's first word, then the rest of it and the command. */
export function pathAndArgs(c: ContainerConfig): { path: string; args: string[] } {
  const argv = [...(c.Entrypoint ?? []), ...(c.Cmd ?? [])];
  return { path: argv[0] ?? '', args: argv.slice(1) };
}

/**
 * The HostConfig keys dockerd 20.10 shows on inspect, at the values it fills when not given.
 * Lists the docker CLI always sends ([] for Dns, Devices...; RestartPolicy "no") are null
 * (and the policy "") when an API client such as docker-py or compose leaves them out.
 */
const HOST_DEFAULTS: HostConfig = {
  Binds: null, ContainerIDFile: '', LogConfig: { Type: '', Config: {} }, NetworkMode: 'default',
  PortBindings: null, RestartPolicy: { Name: '', MaximumRetryCount: 0 }, AutoRemove: false, VolumeDriver: '',
  VolumesFrom: null, CapAdd: null, CapDrop: null, CgroupnsMode: 'host', Dns: null, DnsOptions: null, DnsSearch: null,
  ExtraHosts: null, GroupAdd: null, IpcMode: 'private', Cgroup: '', Links: null, OomScoreAdj: 0, PidMode: '',
  Privileged: false, PublishAllPorts: false, ReadonlyRootfs: false, SecurityOpt: null, UTSMode: '', UsernsMode: '',
  ShmSize: 67108864, Runtime: 'runc', ConsoleSize: [0, 0], Isolation: '', CpuShares: 0, Memory: 0, NanoCpus: 0,
  CgroupParent: '', BlkioWeight: 0, BlkioWeightDevice: null, BlkioDeviceReadBps: null, BlkioDeviceWriteBps: null,
  BlkioDeviceReadIOps: null, BlkioDeviceWriteIOps: null, CpuPeriod: 0, CpuQuota: 0, CpuRealtimePeriod: 0,
  CpuRealtimeRuntime: 0, CpusetCpus: '', CpusetMems: '', Devices: null, DeviceCgroupRules: null, DeviceRequests: null,
  KernelMemory: 0, KernelMemoryTCP: 0, MemoryReservation: 0, MemorySwap: 0, MemorySwappiness: null,
  OomKillDisable: false, PidsLimit: null, Ulimits: null, CpuCount: 0, CpuPercent: 0, IOMaximumIOps: 0,
  IOMaximumBandwidth: 0, MaskedPaths: [
    '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
    '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware',
  ],
  ReadonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
};

/** The received HostConfig over dockerd's defaults; empty strings and nulls the CLI sends keep the default. */
export function withHostDefaults(h: HostConfig | undefined): HostConfig {
  const out: HostConfig = { ...HOST_DEFAULTS };
  for (const [k, v] of Object.entries(h ?? {})) {
    if (v === null || v === undefined || v === '') continue;
    out[k] = v;
  }
  // The driver stays unnamed ('') when the client names none: the daemon's default
  // fills it in (withDaemonLogConfig, at create).
  const log = out['LogConfig'] as { Type?: string; Config?: Record<string, string> | null } | undefined;
  out['LogConfig'] = { Type: log?.Type ?? '', Config: log?.Config ?? {} };
  if (!out['ShmSize']) out['ShmSize'] = HOST_DEFAULTS['ShmSize'];
  if (out['MemorySwappiness'] === -1) out['MemorySwappiness'] = null;
  // Go decodes a policy without MaximumRetryCount (docker-py's {'Name': 'always'}) to 0.
  const policy = out['RestartPolicy'] as { Name?: string; MaximumRetryCount?: number } | undefined;
  if (policy && typeof policy === 'object' && policy.MaximumRetryCount === undefined) out['RestartPolicy'] = { Name: policy.Name ?? '', MaximumRetryCount: 0 };
  if (typeof out['PidsLimit'] === 'number' && out['PidsLimit'] <= 0) out['PidsLimit'] = null;
  if (out.Privileged) { out.MaskedPaths = null; out.ReadonlyPaths = null; }
  if (Array.isArray(out['Mounts'])) out['Mounts'] = (out['Mounts'] as unknown[]).map(mountAsGo);
  // units.Ulimit decoded and shown in its fields' order.
  if (Array.isArray(out['Ulimits'])) out['Ulimits'] = (out['Ulimits'] as Array<Record<string, unknown>>).map((u) => ({ Name: u['Name'] ?? '', Hard: u['Hard'] ?? 0, Soft: u['Soft'] ?? 0 }));
  // Go's omitempty on these: an empty one sent (docker-py's storage_opt={}) is not shown.
  for (const k of OMIT_EMPTY) if (isEmpty(out[k])) delete out[k];
  // dockerd's adaptContainerSettings: swap defaults to twice the memory limit.
  if (typeof out['Memory'] === 'number' && out['Memory'] > 0 && !out['MemorySwap']) out['MemorySwap'] = out['Memory'] * 2;
  // dockerd's generateSecurityOpt: host IPC/PID or privileged disables labelling, unless a label= is given.
  const secOpts = Array.isArray(out.SecurityOpt) ? (out.SecurityOpt as string[]) : [];
  const hostNs = out.IpcMode === 'host' || out.PidMode === 'host' || out.Privileged === true;
  if (hostNs && !secOpts.some((o) => o.split('=')[0] === 'label')) out.SecurityOpt = [...secOpts, 'label=disable'];
  return out;
}

/** HostConfig's omitempty maps and lists. */
const OMIT_EMPTY = ['StorageOpt', 'Tmpfs', 'Sysctls', 'Mounts'];

function isEmpty(v: unknown): boolean {
  return !!v && typeof v === 'object' && Object.keys(v).length === 0;
}

/** mount.Mount's fields in Go's order, every one omitempty. */
const MOUNT_FIELDS = ['Type', 'Source', 'Target', 'ReadOnly', 'Consistency', 'BindOptions', 'VolumeOptions', 'TmpfsOptions'];

/**
 * A HostConfig.Mounts entry as dockerd stores and shows it, decoded into Go's struct:
 * the nulls, '' and false that docker-py and compose send are dropped, fields in Go's order.
 */
function mountAsGo(m: unknown): unknown {
  if (!m || typeof m !== 'object' || Array.isArray(m)) return m;
  const src = m as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const keys = [...MOUNT_FIELDS, ...Object.keys(src).filter((k) => !MOUNT_FIELDS.includes(k))];
  for (const k of keys) {
    const v = src[k];
    if (v === null || v === undefined || v === '' || v === false || v === 0) continue;
    out[k] = v;
  }
  return out;
}

/** A HealthConfig as Go keeps it: its fields are omitempty, so the nulls docker-py sends are not shown. */
function omitEmpty(h: HealthConfig): HealthConfig {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === null || v === undefined || v === 0 || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out as unknown as HealthConfig;
}

/** dockerd's merge: the image's healthcheck fills what the container's leaves unset (empty Test, zero durations). */
function mergeHealthcheck(user: HealthConfig | null | undefined, img: HealthConfig | null | undefined): HealthConfig | undefined {
  if (!user) return img ?? undefined;
  if (!img) return user;
  return {
    ...user,
    Test: user.Test?.length ? user.Test : img.Test,
    ...(user.Interval ? {} : img.Interval ? { Interval: img.Interval } : {}),
    ...(user.Timeout ? {} : img.Timeout ? { Timeout: img.Timeout } : {}),
    ...(user.StartPeriod ? {} : img.StartPeriod ? { StartPeriod: img.StartPeriod } : {}),
    ...(user.Retries ? {} : img.Retries ? { Retries: img.Retries } : {}),
  };
}
