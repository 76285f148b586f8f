import { System } from '../../engine/errors.js';
import type { LocalVolumes } from '../../volumes/local.js';
import type { JobContext } from '../context.js';

/** The volumes service; the composition root always installs it with this area. */
export function volumesOf(ctx: JobContext): LocalVolumes {
  if (!ctx.volumes) throw new System('the volumes area is not installed');
  return ctx.volumes;
}
