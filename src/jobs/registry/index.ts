import './types.js';
import type { HandlerTable } from '../context.js';
import { authLogin } from './auth.js';
import { imageCreate } from './create.js';
import { imagePull } from './pull.js';

/** The registry area's jobs: pull and login (push and search build on the same client). */
export const registryJobs: HandlerTable = {
  image_create: imageCreate,
  image_pull: imagePull,
  auth: authLogin,
};
