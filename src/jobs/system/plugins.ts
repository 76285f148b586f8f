import { NotFound } from '../../engine/errors.js';
import { checkFilterKeys } from '../../server/query.js';
import type { Handler } from '../context.js';

/** `GET /plugins`: berth has no managed plugins, as a dockerd with none installed. */
export const pluginList: Handler<'plugin_list'> = async (job) => {
  checkFilterKeys(job.args.filters, ['capability', 'enable']);
  return [];
};

/** Any call on a named plugin (inspect, enable, remove...): there is none to find. */
export const pluginLookup: Handler<'plugin_lookup'> = async (job) => {
  throw new NotFound(`plugin ${JSON.stringify(job.args.name)} not found`);
};
