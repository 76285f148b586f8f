import { existsSync } from 'node:fs';
import { InvalidParameter } from '../../engine/errors.js';
import { normalizeCapabilities } from '../../libcontainer/capabilities.js';
import { parseSignal } from './signals.js';
import type { CreateBody, HostConfig } from './types.js';

/** The runtime names dockerd 20.10 knows out of the box, and berth's own (its `info`). */
/** The runtime names a create accepts (dockerd's three, and berth's own); berth's shim runs them all. */
export const RUNTIME_NAMES = ['runc', 'io.containerd.runc.v2', 'io.containerd.runtime.v1.linux', 'berth'];
const RUNTIMES = ['', ...RUNTIME_NAMES];

/**
 * The checks dockerd's verifyContainerSettings makes on the request before the image
 * is looked up: the stop signal and the environment (validateContainerConfig) and the runtime's name
 * (verifyPlatformContainerSettings), with its messages.
 */
export function validateCreateRequest(body: CreateBody): void {
  if (typeof body.StopSignal === 'string' && body.StopSignal !== '') parseSignal(body.StopSignal);
  // opts.ValidateEnv: an entry needs a name (``, `=x` are refused; a bare `KEY` is not).
  for (const e of Array.isArray(body.Env) ? body.Env : []) {
    if (typeof e === 'string' && e.split('=')[0] === '') throw new InvalidParameter(`invalid environment variable: ${e}`);
  }
  const runtime = body.HostConfig?.['Runtime'];
  if (typeof runtime === 'string' && !RUNTIMES.includes(runtime)) throw new InvalidParameter(`Unknown runtime specified ${runtime}`);
  validateRealtime(body.HostConfig ?? {});
}

/**
 * runconfig's validateResources for the CPU real-time scheduler: the values need
 * cgroup v1's cpu.rt_* files, and the runtime must fit in the period. What the
 * kernel then accepts is known only at start (the parent group's own budget).
 */
function validateRealtime(h: HostConfig): void {
  const period = typeof h['CpuRealtimePeriod'] === 'number' ? h['CpuRealtimePeriod'] : 0;
  const runtime = typeof h['CpuRealtimeRuntime'] === 'number' ? h['CpuRealtimeRuntime'] : 0;
  if (period === 0 && runtime === 0) return; // the common case: no stat on every create
  const supported = existsSync('/sys/fs/cgroup/cpu/cpu.rt_period_us');
  if (period > 0 && !supported) throw new InvalidParameter('Your kernel does not support cgroup cpu real-time period');
  if (runtime > 0 && !supported) throw new InvalidParameter('Your kernel does not support cgroup cpu real-time runtime');
  if (period !== 0 && runtime !== 0 && runtime > period) throw new InvalidParameter('cpu real-time runtime cannot be higher than cpu real-time period');
}

/** dockerd's validateCapabilities at create: an unknown name fails there, not at start. */
export function validateCapabilities(h: HostConfig): void {
  for (const key of ['CapAdd', 'CapDrop'] as const) {
    // A strslice: one string is a list of one, as the record keeps it.
    const list = typeof h[key] === 'string' ? [h[key]] : h[key];
    if (!Array.isArray(list)) continue;
    try {
      normalizeCapabilities(list as string[]);
    } catch (err) {
      throw new InvalidParameter(`invalid ${key}: ${(err as Error).message}`, { cause: err });
    }
  }
}
