import { cgroupFeatures } from '../system/host.js';
import type { HostConfig } from './types.js';

/**
 * `--oom-kill-disable` as dockerd 20.10's verifyPlatformContainerResources takes it:
 * dropped with a warning where the memory cgroup cannot disable the OOM killer
 * (cgroup v2), else a warning when no memory limit bounds the container.
 */
export function oomKillWarnings(h: HostConfig): string[] {
  if (h['OomKillDisable'] !== true) return [];
  if (!cgroupFeatures().OomKillDisable) {
    h['OomKillDisable'] = false;
    return ['Your kernel does not support OomKillDisable. OomKillDisable discarded.'];
  }
  const memory = typeof h['Memory'] === 'number' ? h['Memory'] : 0;
  return memory === 0 ? ['OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.'] : [];
}

/** dockerd's warning for `-p` with `--network host`: the bindings are kept but mean nothing. */
export function hostPortsWarnings(h: HostConfig): string[] {
  const bindings = h['PortBindings'];
  const any = !!bindings && typeof bindings === 'object' && Object.keys(bindings).length > 0;
  return h['NetworkMode'] === 'host' && any ? ['Published ports are discarded when using host network mode'] : [];
}

/**
 * `--kernel-memory` as dockerd 20.10 takes it: always a deprecation warning, and
 * dropped with a second one where the memory cgroup has no kmem limit.
 */
export function kernelMemoryWarnings(h: HostConfig): string[] {
  if (typeof h['KernelMemory'] !== 'number' || h['KernelMemory'] <= 0) return [];
  const out = ['Specifying a kernel memory limit is deprecated and will be removed in a future release.'];
  if (!cgroupFeatures().KernelMemory) {
    h['KernelMemory'] = 0;
    out.push('Your kernel does not support kernel memory limit capabilities or the cgroup is not mounted. Limitation discarded.');
  }
  return out;
}
