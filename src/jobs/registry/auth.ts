import { login } from '../../graph/registry/login.js';
import type { Handler } from '../context.js';
import { registrySettings, tokenCache } from './service.js';

/** `POST /auth` (`docker login`): `Login Succeeded`, or dockerd's error (a 500 for a refused password). */
export const authLogin: Handler<'auth'> = async (job, ctx) => {
  return login(job.args, registrySettings(ctx), tokenCache(ctx));
};
