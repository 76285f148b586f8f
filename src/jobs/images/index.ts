import type { HandlerTable } from '../context.js';

/** The images area's jobs (being written). */
export const imageJobs: HandlerTable = {};
