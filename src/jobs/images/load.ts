import { rm } from 'node:fs/promises';
import { InvalidParameter } from '../../engine/errors.js';
import { openTar } from '../../graph/archive/decompress.js';
import { loadArchive } from '../../graph/archive/load.js';
import { progressBar, writeMessage } from '../../graph/archive/messages.js';
import { spoolArchive } from '../../graph/archive/spool.js';
import { makeScratch } from '../../graph/archive/tmp.js';
import { archiveGraph } from '../../graph/archive/types.js';
import type { Handler } from '../context.js';

declare module '../../engine/job-table.js' {
  interface JobTable {
    /** `POST /images/load`: the body is a docker-archive (or OCI layout), possibly compressed. */
    image_load: { args: { quiet: boolean }; result: void };
  }
}

/**
 * `docker load`: spool the archive into scratch space on the data root, load its
 * images through the graph, and report each as dockerd does (`Loaded image: ...`).
 * The scratch directory goes whatever happens, client disconnects included.
 */
export const imageLoad: Handler<'image_load'> = async (job, ctx) => {
  if (!job.stdin) throw new InvalidParameter('the archive to load is missing from the request body');
  const out = job.stdout;
  const graph = archiveGraph(ctx.graph);
  const scratch = await makeScratch(ctx.config.dataRoot, ctx.startedAt, 'load');
  try {
    const dir = await spoolArchive(await openTar(job.stdin), scratch, job.signal);
    const loaded = await loadArchive(graph, dir, {
      signal: job.signal,
      layer: (chainId, phase, size, current) => {
        if (job.args.quiet || phase === 'exists') return;
        writeMessage(out, { status: 'Loading layer', progressDetail: { current, total: size }, progress: progressBar(current, size), id: chainId.slice(7, 19) });
      },
      renamed: (tag, from) => {
        writeMessage(out, { stream: `The image ${tag} already exists, renaming the old one with ID ${from} to empty string\n` });
      },
    });
    for (const img of loaded) {
      const labels = graph.resolve(img.id).config.config?.Labels ?? {};
      ctx.events.publish({ Type: 'image', Action: 'load', id: img.id, attributes: { ...labels, name: img.id } });
      if (img.tags.length === 0) writeMessage(out, { stream: `Loaded image ID: ${img.id}\n` });
      for (const t of img.tags) writeMessage(out, { stream: `Loaded image: ${t}\n` });
    }
  } catch (err) {
    // Read the rest of the body away so the error reaches the client.
    if (!job.stdin.destroyed) job.stdin.resume();
    throw err;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
};
