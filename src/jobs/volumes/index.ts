import './types.js';
import type { LocalVolumes } from '../../volumes/local.js';
import { mountPointsOf, volumeUsers } from '../containers/mounts.js';
import type { ContainerStore } from '../containers/store.js';
import type { HandlerTable } from '../context.js';
import { volumeCreate } from './create.js';
import { volumeDelete } from './delete.js';
import { volumeInspect } from './inspect.js';
import { volumeList } from './list.js';
import { volumePrune } from './prune.js';

/** The volumes area's jobs. */
export const volumeJobs: HandlerTable = {
  volume_create: volumeCreate,
  volume_list: volumeList,
  volume_inspect: volumeInspect,
  volume_delete: volumeDelete,
  volume_prune: volumePrune,
};

/** Give the volumes their users: the containers whose mount points name them. */
export function hookVolumes(volumes: LocalVolumes, containers: ContainerStore): void {
  volumes.usedBy = (name) => volumeUsers(containers, name);
  // Runs that outlived the daemon keep their volumes' mounts: count them in.
  for (const c of containers.all()) {
    if (!c.State.Running) continue;
    for (const m of mountPointsOf(c)) if (m.Type === 'volume') volumes.restoreActive(m.Name, c.Id);
  }
}
