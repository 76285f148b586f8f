import './types.js';
import type { HandlerTable } from '../context.js';
import { networkConnect } from './connect.js';
import { networkCreate } from './create.js';
import { networkDelete } from './delete.js';
import { networkDisconnect } from './disconnect.js';
import { networkInspect } from './inspect.js';
import { networkList } from './list.js';
import { networkPrune } from './prune.js';

/** The networks area's jobs. */
export const networkJobs: HandlerTable = {
  network_create: networkCreate,
  network_list: networkList,
  network_inspect: networkInspect,
  network_delete: networkDelete,
  network_connect: networkConnect,
  network_disconnect: networkDisconnect,
  network_prune: networkPrune,
};
