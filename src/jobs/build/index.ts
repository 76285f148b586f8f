import './types.js';
import type { HandlerTable } from '../context.js';
import { imageBuild } from './build.js';
import { buildPrune } from './prune.js';
import { buildCancel } from './cancel.js';

/** The build area's jobs. */
export const buildJobs: HandlerTable = {
  image_build: imageBuild,
  build_prune: buildPrune,
  build_cancel: buildCancel,
};
