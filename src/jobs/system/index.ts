import './types.js';
import type { HandlerTable } from '../context.js';
import { systemPing } from './ping.js';

/** The system area's jobs. */
export const systemJobs: HandlerTable = {
  system_ping: systemPing,
};
