import './types.js';
import type { HandlerTable } from '../context.js';
import { authLogin } from './auth.js';
import { imageCreate } from './create.js';
import { distributionInspect } from './distribution.js';
import { imagePull } from './pull.js';
import { imagePush } from './push.js';
import { imageSearch } from './search.js';

/** The registry area's jobs: pull, push, search and login. */
export const registryJobs: HandlerTable = {
  image_create: imageCreate,
  image_pull: imagePull,
  auth: authLogin,
  image_push: imagePush,
  image_search: imageSearch,
  distribution_inspect: distributionInspect,
};
