import './types.js';
import type { HandlerTable } from '../context.js';
import { imageDelete } from './delete.js';
import { imageHistory } from './history.js';
import { imageImport } from './import.js';
import { imageInspect } from './inspect.js';
import { imageList } from './list.js';
import { imageLoad } from './load.js';
import { imagePrune } from './prune.js';
import { imageSave } from './save.js';
import { imageTag } from './tag.js';

/** The images area's jobs. */
export const imageJobs: HandlerTable = {
  image_list: imageList,
  image_inspect: imageInspect,
  image_history: imageHistory,
  image_tag: imageTag,
  image_delete: imageDelete,
  image_prune: imagePrune,
  image_load: imageLoad,
  image_save: imageSave,
  image_import: imageImport,
};
