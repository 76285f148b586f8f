import './types.js';
import type { HandlerTable } from '../context.js';
import { systemDf } from './df.js';
import { systemEvents } from './events.js';
import { systemInfo } from './info.js';
import { notImplemented } from './not-implemented.js';
import { systemPing } from './ping.js';
import { pluginList, pluginLookup } from './plugins.js';
import { swarmInactive } from './swarm.js';
import { systemVersion } from './version.js';

/** The system area's jobs: the daemon itself, and the answers for what berth does not serve. */
export const systemJobs: HandlerTable = {
  system_ping: systemPing,
  system_version: systemVersion,
  system_info: systemInfo,
  system_df: systemDf,
  system_events: systemEvents,
  not_implemented: notImplemented,
  swarm_inactive: swarmInactive,
  plugin_list: pluginList,
  plugin_lookup: pluginLookup,
};
