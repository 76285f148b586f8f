import { pipeline } from 'node:stream/promises';
import { Conflict, InvalidParameter } from '../../engine/errors.js';
import type { Handler } from '../context.js';
import { withRootfs } from './archive-rootfs.js';
import { containerOwnerNames } from './archive-names.js';
import { packTree } from './archive-tar.js';
import { containersOf, publish } from './common.js';
import type { ContainerRecord } from './types.js';

/** dockerd refuses to export or commit a dead container or one being removed. */
export function checkUsable(c: ContainerRecord, verb: 'export' | 'commit'): void {
  if (c.State.Dead) throw new Conflict(`You cannot ${verb} container ${c.Id} which is Dead`);
  if (c.State.Status === 'removing') throw new Conflict(`You cannot ${verb} container ${c.Id} which is being removed`);
}

/**
 * `GET /containers/{id}/export`: a tar of the merged root filesystem (image layers,
 * the init stubs, the container's changes), names relative to the root, as dockerd.
 * Like dockerd it takes no container lock: a running container goes on running.
 */
export const containerExport: Handler<'container_export'> = async (job, ctx) => {
  const out = job.stdout;
  if (!out) throw new InvalidParameter('export needs an output stream');
  const c = containersOf(ctx).get(job.args.name);
  checkUsable(c, 'export');
  await withRootfs(ctx, c.Id, async (root) => {
    publish(ctx, c, 'export');
    await pipeline(packTree(root, await containerOwnerNames(root)), out, { signal: job.signal });
  });
};
