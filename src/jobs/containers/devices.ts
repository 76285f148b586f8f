/**
 * A container's devices: the nodes `--device` adds to its /dev and the device
 * cgroup rules of its run (runc's defaults under dockerd, the mapped devices, then
 * `--device-cgroup-rule`s); `--privileged` gets every device and no mapping, as in
 * dockerd.
 */
import type { DeviceRule } from '../../libcontainer/cgroups/resources.js';
import { allDevicesRule, defaultDeviceRules, devicesFromPath, parseDeviceCgroupRule } from '../../libcontainer/devices.js';
import type { OciDevice } from '../../libcontainer/oci.js';
import type { HostConfig } from './types.js';

interface DeviceMapping {
  PathOnHost?: string;
  PathInContainer?: string;
  CgroupPermissions?: string;
}

export async function containerDevices(h: HostConfig): Promise<{ nodes: OciDevice[]; rules: DeviceRule[] }> {
  if (h['Privileged'] === true) return { nodes: [], rules: allDevicesRule() };
  const nodes: OciDevice[] = [];
  const rules = defaultDeviceRules();
  for (const d of Array.isArray(h['Devices']) ? (h['Devices'] as DeviceMapping[]) : []) {
    if (!d?.PathOnHost) continue;
    const found = await devicesFromPath(d.PathOnHost, d.PathInContainer || d.PathOnHost, d.CgroupPermissions || 'rwm');
    nodes.push(...found.nodes);
    rules.push(...found.rules);
  }
  for (const text of Array.isArray(h['DeviceCgroupRules']) ? (h['DeviceCgroupRules'] as string[]) : []) rules.push(parseDeviceCgroupRule(text));
  return { nodes, rules };
}
