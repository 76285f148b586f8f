import { NotImplemented } from '../../engine/errors.js';
import type { Handler } from '../context.js';

/**
 * Every Engine API route berth does not serve yet lands here, so a client gets a 501
 * that names the missing feature instead of a bare 404 that reads like a typo.
 */
export const notImplemented: Handler<'not_implemented'> = async (job) => {
  throw new NotImplemented(`${job.args.what} is not implemented yet in berth`);
};
