import type { Route } from '../route.js';
import { buildRoutes } from './build.js';
import { containerFileRoutes } from './container-files.js';
import { containerLogsRoutes } from './container-logs.js';
import { containerRuntimeRoutes } from './container-runtime.js';
import { containerRoutes } from './containers.js';
import { execRoutes } from './exec.js';
import { imageRoutes } from './images.js';
import { imagesArchiveRoutes } from './images-archive.js';
import { networkRoutes } from './networks.js';
import { pendingRoutes } from './pending.js';
import { registryRoutes } from './registry.js';
import { swarmRoutes } from './swarm.js';
import { systemRoutes } from './system.js';
import { volumeRoutes } from './volumes.js';

/**
 * The whole route table, literal paths of an area before its wildcards. The
 * not-yet-served routes come last so that they never shadow an area's own.
 */
export const routes: Route[] = [
  ...systemRoutes,
  ...registryRoutes,
  ...imagesArchiveRoutes,
  ...imageRoutes,
  ...containerRoutes,
  ...volumeRoutes,
  ...containerLogsRoutes,
  ...containerFileRoutes,
  ...swarmRoutes,
  ...execRoutes,
  ...containerRuntimeRoutes,
  ...buildRoutes,
  ...networkRoutes,
  ...pendingRoutes,
];
