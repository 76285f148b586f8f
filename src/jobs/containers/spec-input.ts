import { join } from 'node:path';
import { InvalidParameter, System } from '../../engine/errors.js';
import { hostBoundingCapabilities } from '../../libcontainer/capabilities.js';
import { hostDevices } from '../../libcontainer/devices.js';
import { parseSecurityOpts } from '../../libcontainer/options.js';
import { checkBindPropagation } from '../../libcontainer/propagation.js';
import type { OciDevice, OciMount } from '../../libcontainer/oci.js';
import { type BindInput, type ContainerSpecInput, type NamespaceChoice, type UlimitSpec } from '../../libcontainer/spec.js';
import { resolveUser } from '../../libcontainer/user.js';
import type { JobContext } from '../context.js';
import { containersOf } from './common.js';
import { wantsInit, withInit } from './init-process.js';
import { ensureWorkdir } from './workdir.js';
import type { ContainerRecord, HostConfig } from './types.js';

/** What the start job adds beyond the record: the rootfs, mounts and the daemon's files. */
export interface SpecExtras {
  rootfs: string;
  binds: BindInput[];
  tmpfs: Record<string, string>;
  extraMounts: OciMount[];
  cgroupParent: string;
  /** Nodes `--device` adds to /dev. */
  devices?: OciDevice[];
  /** The legacy links' variables, under the container's own (which win). */
  linkEnv?: string[];
}

type Joined = 'network' | 'IPC' | 'PID' | 'UTS';

/**
 * `container:<name>` modes join a namespace of another running container by its init
 * pid. When it cannot, dockerd's words differ by namespace: its network code, its
 * getIpcContainer (which also wants a donor made with `--ipc shareable`) and its
 * getPidContainer each say it their own way.
 */
function joinMode(ctx: JobContext, mode: string, what: Joined): NamespaceChoice {
  const ref = mode.slice('container:'.length);
  const ipc = `can't join IPC of container ${ref}`;
  let other;
  try {
    other = containersOf(ctx).get(ref);
  } catch (err) {
    if (what === 'IPC') throw new InvalidParameter(`${ipc}: ${(err as Error).message}`, { cause: err });
    throw err;
  }
  // Past the look-up dockerd names the donor by its ID (create stored it so).
  const ipcOf = `can't join IPC of container ${other.Id}`;
  const h = ctx.runtime?.handle(other.Id);
  if (!other.State.Running || !h) {
    if (what === 'network') throw new InvalidParameter(`cannot join network of a non running container: ${other.Id}`);
    const notRunning = `container ${other.Id} is not running`;
    throw new InvalidParameter(what === 'IPC' ? `${ipcOf}: ${notRunning}` : notRunning);
  }
  // dockerd stats the donor's shm directory: one of its own (shareable) or the host's.
  if (what === 'IPC' && !['shareable', 'host'].includes(String(other.HostConfig['IpcMode']))) {
    throw new InvalidParameter(`${ipcOf}: non-shareable IPC (hint: use IpcMode:shareable for the donor container)`);
  }
  return { joinPid: h.pid };
}

function nsMode(ctx: JobContext, mode: unknown, what: Joined): NamespaceChoice {
  const m = typeof mode === 'string' ? mode : '';
  if (m === 'host') return 'host';
  if (m.startsWith('container:')) return joinMode(ctx, m, what);
  return 'new';
}

/**
 * The network namespace: `host`, another container's, or a new one. Until the bridge
 * network is wired, `default` and `bridge` get a new namespace with only loopback,
 * as `none` does.
 */
function networkMode(ctx: JobContext, mode: string): NamespaceChoice {
  if (mode === 'host') return 'host';
  if (mode.startsWith('container:')) return joinMode(ctx, mode, 'network');
  return 'new';
}

function ulimitsOf(h: HostConfig): UlimitSpec[] {
  const list = Array.isArray(h['Ulimits']) ? (h['Ulimits'] as { Name: string; Soft: number; Hard: number }[]) : [];
  return list.map((u) => ({ name: u.Name, soft: u.Soft, hard: u.Hard }));
}

/** A HostConfig list field (CapAdd, SecurityOpt, GroupAdd...): its strings, [] when absent. */
export function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** The record's Config and HostConfig as libcontainer's spec input. Throws dockerd's 4xx words. */
export async function specInput(ctx: JobContext, c: ContainerRecord, x: SpecExtras): Promise<ContainerSpecInput> {
  const h = c.HostConfig;
  const cfg = c.Config;
  const user = await resolveUser(x.rootfs, cfg.User ?? '', stringList(h['GroupAdd']));
  // As dockerd's WithMounts (after WithUser): a shared or slave bind needs a source mount that propagates.
  for (const b of x.binds ?? []) await checkBindPropagation(b.source, b.propagation);
  // Links' variables first: buildSpec merges by key (processEnv), so the container's own win.
  const env = [...(x.linkEnv ?? []), ...(cfg.Env ?? [])];
  if (!env.some((e) => e.startsWith('HOME='))) env.push(`HOME=${user.home}`);
  await ensureWorkdir(x.rootfs, cfg.WorkingDir ?? '', user.uid, user.gid);
  const security = parseSecurityOpts(stringList(h['SecurityOpt']));
  const privileged = h['Privileged'] === true;
  const ipcMode = typeof h['IpcMode'] === 'string' ? h['IpcMode'] : '';
  const consoleSize = Array.isArray(h['ConsoleSize']) ? (h['ConsoleSize'] as number[]) : [0, 0];
  const input: ContainerSpecInput = {
    id: c.Id,
    rootfs: x.rootfs,
    args: [c.Path, ...c.Args],
    env,
    workingDir: cfg.WorkingDir || '/',
    user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
    hostname: cfg.Hostname || c.Id.slice(0, 12),
    tty: cfg.Tty === true,
    readonlyRootfs: h['ReadonlyRootfs'] === true,
    privileged,
    capAdd: stringList(h['CapAdd']),
    capDrop: stringList(h['CapDrop']),
    hostCapabilities: await hostBoundingCapabilities(),
    noNewPrivileges: security.noNewPrivileges,
    oomScoreAdj: typeof h['OomScoreAdj'] === 'number' ? h['OomScoreAdj'] : 0,
    seccomp: security.seccomp,
    ulimits: ulimitsOf(h),
    sysctls: (h['Sysctls'] as Record<string, string> | undefined) ?? {},
    tmpfs: { ...((h['Tmpfs'] as Record<string, string> | undefined) ?? {}), ...x.tmpfs },
    binds: x.binds,
    extraMounts: x.extraMounts,
    network: networkMode(ctx, String(h.NetworkMode ?? 'default')),
    ipc: ipcMode === 'none' ? 'none' : nsMode(ctx, ipcMode, 'IPC'),
    pid: nsMode(ctx, h['PidMode'], 'PID'),
    uts: nsMode(ctx, h['UTSMode'], 'UTS'),
    cgroupns: h['CgroupnsMode'] === 'private' ? 'private' : 'host',
    cgroupParent: x.cgroupParent,
  };
  if (cfg.Domainname) input.domainname = cfg.Domainname;
  if (typeof h['ShmSize'] === 'number' && h['ShmSize'] > 0) input.shmSize = h['ShmSize'];
  if (input.tty && consoleSize[0] && consoleSize[1]) input.consoleSize = { height: consoleSize[0], width: consoleSize[1] };
  input.seccompCacheDir = join(ctx.config.execRoot, 'seccomp');
  if (privileged) input.hostDevices = await hostDevices();
  else if (x.devices?.length) input.extraDevices = x.devices;
  if (input.args[0] === '') throw new System('container has no command');
  if (wantsInit(ctx, c)) {
    const init = await withInit(ctx, input.args);
    input.args = init.args;
    input.extraMounts = [...(input.extraMounts ?? []), init.mount];
  }
  return input;
}
