import type { HandlerTable } from '../context.js';
import { imageImport } from './import.js';
import { imageLoad } from './load.js';
import { imageSave } from './save.js';

/** The images area's jobs (being written). */
export const imageJobs: HandlerTable = {
  image_load: imageLoad,
  image_save: imageSave,
  image_import: imageImport,
};
