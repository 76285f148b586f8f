/**
 * A blkio weight on a host whose blkio controller takes none: dockerd warns and
 * drops it (at create and at update) instead of failing the container's start.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { cgroupMounts } from '../../libcontainer/cgroups/detect.js';

/** Whether this host's blkio controller takes a weight (CFQ's file, or BFQ's). */
export async function blkioWeightSupported(): Promise<boolean> {
  const m = await cgroupMounts();
  const blkio = m.v1.get('blkio');
  const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);
  if (blkio) return (await exists(join(blkio, 'blkio.weight'))) || exists(join(blkio, 'blkio.bfq.weight'));
  return m.unified !== undefined;
}

/** Zeroes `BlkioWeight` when the host cannot apply it; returns dockerd's warning then. */
export async function discardBlkioWeight(h: Record<string, unknown> | { BlkioWeight?: number }): Promise<string[]> {
  const r = h as { BlkioWeight?: unknown };
  if (typeof r.BlkioWeight !== 'number' || r.BlkioWeight <= 0 || (await blkioWeightSupported())) return [];
  r.BlkioWeight = 0;
  return ['Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.'];
}

/** The same for `--blkio-weight-device`: dockerd drops the list where blkio.weight_device is missing. */
export async function discardBlkioWeightDevice(h: Record<string, unknown>): Promise<string[]> {
  const list = h['BlkioWeightDevice'];
  if (!Array.isArray(list) || list.length === 0) return [];
  const m = await cgroupMounts();
  const blkio = m.v1.get('blkio');
  const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);
  const supported = blkio ? (await exists(join(blkio, 'blkio.weight_device'))) || (await exists(join(blkio, 'blkio.bfq.weight_device'))) : m.unified !== undefined;
  if (supported) return [];
  h['BlkioWeightDevice'] = [];
  return ['Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.'];
}
