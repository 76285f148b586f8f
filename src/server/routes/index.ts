import type { Route } from '../route.js';
import { imageRoutes } from './images.js';
import { imagesArchiveRoutes } from './images-archive.js';
import { systemRoutes } from './system.js';

/** The whole route table, literal paths of an area before its wildcards. */
export const routes: Route[] = [
  ...systemRoutes,
  ...imagesArchiveRoutes,
  ...imageRoutes,
];
