import './types.js';
import './lifecycle-types.js';
import { containerAttach } from './attach.js';
import { containerKill } from './kill.js';
import { containerResize } from './resize.js';
import { containerRestart } from './restart.js';
import { containerStart } from './start.js';
import { containerStop } from './stop.js';
import { containerWait } from './wait.js';
import type { Graph } from '../../graph/graph.js';
import type { HandlerTable } from '../context.js';
import { containerCreate } from './create.js';
import { containerDelete } from './delete.js';
import { containerFileJobs } from './files.js';
import { containerInspect } from './inspect.js';
import { containerList } from './list.js';
import { containerLogs } from './logs.js';
import { containerRename } from './rename.js';
import { containerPause } from './pause.js';
import { containerPrune } from './prune.js';
import { containerStats } from './stats.js';
import { containerTop } from './top.js';
import { containerUnpause } from './unpause.js';
import { containerUpdate } from './update.js';
import type { ContainerStore } from './store.js';

/** The containers area's jobs. */
export const containerJobs: HandlerTable = {
  container_create: containerCreate,
  container_inspect: containerInspect,
  container_list: containerList,
  container_logs: containerLogs,
  container_delete: containerDelete,
  container_rename: containerRename,
  container_start: containerStart,
  container_stop: containerStop,
  container_kill: containerKill,
  container_restart: containerRestart,
  container_wait: containerWait,
  container_attach: containerAttach,
  container_resize: containerResize,
  container_pause: containerPause,
  container_unpause: containerUnpause,
  container_top: containerTop,
  container_stats: containerStats,
  container_update: containerUpdate,
  container_prune: containerPrune,
  ...containerFileJobs,
};

/**
 * Give the graph the containers' view of images: which containers use an image (rmi,
 * prune) and which layers sit under containers' RW layers (the start-up sweep keeps
 * them). Called by the composition root before `graph.restore()`.
 */
export function hookGraph(graph: Graph, containers: ContainerStore): void {
  graph.usedBy = (imageId) => containers.usedBy(imageId);
  graph.heldLayers = () => {
    const held = new Set<string>();
    for (const c of containers.all()) if (c.ImageTopLayer) held.add(c.ImageTopLayer);
    return held;
  };
}
