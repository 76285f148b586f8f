import type { Route } from '../route.js';

/** Image routes (being written). */
export const imageRoutes: Route[] = [];
