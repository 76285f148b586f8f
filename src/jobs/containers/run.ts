import { join } from 'node:path';
import { StartFailed, type ContainerHandle } from '../../drivers/execdriver/types.js';
import { InvalidParameter } from '../../engine/errors.js';
import type { PreparedNet } from '../../network/join.js';
import { buildSpec } from '../../libcontainer/spec.js';
import type { JobContext } from '../context.js';
import { containerDir, containersOf, publish } from './common.js';
import { recordExit } from './exit.js';
import { hostFiles, networkPeerRef } from './host-files.js';
import { openLogDriver } from './log-config.js';
import { checkDeviceRequests } from './device-requests.js';
import { throttleDevices } from './blkio-devices.js';
import { mountInputs } from './mounts.js';
import type { PendingAttach } from './live.js';
import { resourcesOf } from './resources.js';
import { runtimeOf } from './runtime.js';
import { specInput } from './spec-input.js';
import type { ContainerRecord } from './types.js';
import { monitorHealth } from './health-monitor.js';
import { containerDevices } from './devices.js';
import { linkedEnv } from './links.js';

/** `<data-root>/containers/<id>/<id>-json.log`, dockerd's json-file path. */
export function logPathOf(ctx: JobContext, id: string): string {
  return join(containerDir(ctx, id), `${id}-json.log`);
}

/**
 * Start one container's process: mount its rootfs, lay out its mounts and files,
 * build the OCI spec, hand it to the execdriver with any clients attached before
 * start, record `running`, and watch for the exit. The caller holds the container's
 * lock and has checked that it may start. A start that fails leaves the record with
 * dockerd's ExitCode (the runtime's 126/127, else 128) and Error, and nothing mounted.
 */
export async function startContainer(ctx: JobContext, c: ContainerRecord): Promise<void> {
  const rt = runtimeOf(ctx);
  const store = containersOf(ctx);
  const driver = ctx.graph.driver;
  const rootfs = await driver.get(c.Id);
  const logPath = logPathOf(ctx, c.Id);
  let handle: ContainerHandle;
  const attaches: PendingAttach[] = rt.takeAttaches(c.Id);
  let net: PreparedNet | undefined;
  try {
    const logRotation = openLogDriver(c.HostConfig);
    checkDeviceRequests(c.HostConfig);
    const throttles = await throttleDevices(c.HostConfig);
    // dockerd's createSpec (getCPUResources) refuses negative shares in its own words.
    if (Number(c.HostConfig['CpuShares'] ?? 0) < 0) throw new InvalidParameter('shares: invalid argument');
    // Named here when the create left it out, as dockerd's start does (kept if the start fails).
    if (!c.HostConfig['Runtime']) c.HostConfig['Runtime'] = 'runc';
    const { binds, tmpfs, announce } = await mountInputs(ctx, c, rootfs);
    // Addresses and host ports first: a port in use fails the start before anything runs.
    net = await ctx.network?.prepare(c);
    adoptNetworkIdentity(ctx, c);
    const links = linkedEnv(ctx, c);
    const extraMounts = await hostFiles(ctx, c, net?.files, links.hosts);
    const cgroupParent = String(c.HostConfig['CgroupParent'] || ctx.config.cgroupParent);
    const devices = await containerDevices(c.HostConfig);
    const spec = buildSpec(await specInput(ctx, c, { rootfs, binds, tmpfs, extraMounts, cgroupParent, devices: devices.nodes, linkEnv: links.env }));
    handle = await rt.driver.start({
      id: c.Id, spec, resources: { ...resourcesOf(c.HostConfig), devices: devices.rules, throttles }, logPath,
      ...(logRotation ? { logRotation } : {}),
      stdin: c.Config.OpenStdin === true, stdinOnce: c.Config.StdinOnce === true,
      ...(attaches.length ? { attach: attaches } : {}),
      // The network's `connect`, then the volumes' `mount`, as dockerd logs them.
      beforeStart: async (pid: number) => {
        await net?.attach(pid);
        announce();
      },
    });
  } catch (err) {
    await net?.abort().catch((e: Error) => ctx.log.warn(`container ${c.Id}: releasing its network after a failed start: ${e.message}`));
    await driver.put(c.Id).catch((e: Error) => ctx.log.warn(`container ${c.Id}: unmounting after a failed start: ${e.message}`));
    // The attached clients saw nothing start: their connections end.
    for (const a of attaches) a.onStream(null);
    // As dockerd's containerStart: every failed start leaves its error, and exit code 128
    // unless one is set (the runtime's 126/127, or a previous run's).
    const exitCode = err instanceof StartFailed ? err.exitCode : c.State.ExitCode || 128;
    c.State = { ...c.State, ExitCode: exitCode, Error: (err as Error).message };
    store.save(c);
    throw err;
  }
  c.LogPath = logPath;
  c.ManuallyStopped = false;
  store.transition(c, 'running', { Pid: handle.pid, StartedAt: handle.startedAt, ExitCode: 0, Error: '', OOMKilled: false });
  watch(ctx, c.Id, handle);
  publish(ctx, c, 'start');
}

/**
 * `--network container:X` shares X's network namespace and X's /etc files, and, as
 * dockerd's initializeNetworking does at each start, takes X's hostname and domain
 * name too: the container's own UTS namespace gets the name its /etc/hostname shows,
 * and inspect shows it from then on.
 */
function adoptNetworkIdentity(ctx: JobContext, c: ContainerRecord): void {
  const peer = networkPeerRef(c);
  const other = peer === undefined ? undefined : containersOf(ctx).find(peer);
  if (!other) return;
  c.Config.Hostname = other.Config.Hostname ?? '';
  c.Config.Domainname = other.Config.Domainname ?? '';
}

/** Track a running container's handle and record its exit when it comes. */
export function watch(ctx: JobContext, id: string, handle: ContainerHandle, restored = false): void {
  const rt = runtimeOf(ctx);
  const startedMs = Date.now();
  const done = handle.wait().then(
    (status) => recordExit(ctx, id, handle, status, startedMs),
    (err: Error) => {
      ctx.log.error(`container ${id}: lost track of its process: ${err.message}`);
      return recordExit(ctx, id, handle, { exitCode: 255, signal: null, finishedAt: new Date().toISOString(), oomKilled: false }, startedMs);
    },
  );
  rt.track(id, handle, done);
  monitorHealth(ctx, id, handle, restored);
}
