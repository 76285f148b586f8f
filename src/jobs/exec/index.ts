import './types.js';
import type { HandlerTable } from '../context.js';
import { execCreate } from './create.js';
import { execInspect } from './inspect.js';
import { execResize } from './resize.js';
import { execStart } from './start.js';

/** The exec area's jobs (`docker exec`). */
export const execJobs: HandlerTable = {
  exec_create: execCreate,
  exec_start: execStart,
  exec_inspect: execInspect,
  exec_resize: execResize,
};
