import { Unavailable } from '../../engine/errors.js';
import type { NetworkController } from '../../network/controller.js';
import type { JobContext } from '../context.js';

/** The network controller; the composition root installs it with this area. */
export function networksOf(ctx: JobContext): NetworkController {
  if (!ctx.network) throw new Unavailable('networking is not initialised');
  return ctx.network;
}
