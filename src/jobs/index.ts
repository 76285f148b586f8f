import type { HandlerTable } from './context.js';
import { buildJobs } from './build/index.js';
import { containerJobs } from './containers/index.js';
import { execJobs } from './exec/index.js';
import { imageJobs } from './images/index.js';
import { networkJobs } from './networks/index.js';
import { registryJobs } from './registry/index.js';
import { systemJobs } from './system/index.js';
import { volumeJobs } from './volumes/index.js';

/**
 * Every area's job table, once: the composition root installs these, and the route
 * table's tests check against the same list, so a new area cannot be served by the
 * daemon and missed by the tests (or the reverse).
 */
export const allJobs: readonly HandlerTable[] = [
  systemJobs, imageJobs, buildJobs, registryJobs, containerJobs, volumeJobs, execJobs, networkJobs,
];
