import { login } from '../../graph/registry/login.js';
import type { Handler } from '../context.js';
import { registrySettings, tokenCache } from './service.js';

/** `POST /auth` (`docker login`): `Login Succeeded`, or 401 in dockerd's words. */
export const authLogin: Handler<'auth'> = async (job, ctx) => {
  return login(job.args, registrySettings(ctx), tokenCache(ctx));
};
