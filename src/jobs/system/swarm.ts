import { Unavailable } from '../../engine/errors.js';
import type { Handler } from '../context.js';

/** dockerd's errNoManager, for any call that needs a swarm manager. */
export const NOT_A_MANAGER =
  'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';
/** dockerd's errNoSwarm, for leaving a swarm the node is not part of. */
export const NOT_IN_A_SWARM = 'This node is not part of a swarm';

/**
 * Swarm, node, service, task, secret and config calls: berth is a single-node engine,
 * always in the state of a dockerd outside any swarm, and answers as that dockerd
 * does (503), so clients that probe or clean up swarm state carry on.
 */
export const swarmInactive: Handler<'swarm_inactive'> = async (job) => {
  switch (job.args.call) {
    case 'leave':
      throw new Unavailable(NOT_IN_A_SWARM);
    case 'init':
    case 'join':
      throw new Unavailable('swarm mode is not supported by berth: this node cannot init or join a swarm');
    default:
      throw new Unavailable(NOT_A_MANAGER);
  }
};
