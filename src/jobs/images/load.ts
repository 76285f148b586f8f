import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { InvalidParameter } from '../../engine/errors.js';
import { decompress, isTarHeader, peek } from '../../graph/archive/decompress.js';
import { loadArchive } from '../../graph/archive/load.js';
import { progressBar, writeMessage } from '../../graph/archive/messages.js';
import { spoolArchive } from '../../graph/archive/spool.js';
import { makeScratch } from '../../graph/archive/tmp.js';
import { archiveGraph } from '../../graph/archive/types.js';
import type { Handler } from '../context.js';
import { sendHead } from '../io.js';

declare module '../../engine/job-table.js' {
  interface JobTable {
    /** `POST /images/load`: the body is a docker-archive (or OCI layout), possibly compressed. */
    image_load: { args: { quiet: boolean }; result: void };
  }
}

/** What dockerd's untar (run in a child process) reports for input that is no tar. */
function untarFailed(goError: string): InvalidParameter {
  return new InvalidParameter(`Error processing tar file(exit status 1): ${goError}`);
}

/**
 * The archive, decompressed, or dockerd's words for one that is not a tar: Go's tar
 * reader says `unexpected EOF` for less than a header block and `invalid tar header`
 * for a block that is not one; with nothing at all dockerd finds no manifest.json and
 * fails opening the legacy `repositories` in its scratch directory.
 */
async function openArchive(input: Readable, scratch: string): Promise<Readable> {
  const tar = await decompress(input);
  const head = await peek(tar, 512);
  if (head.length === 0) throw new InvalidParameter(`open ${scratch}/repositories: no such file or directory`);
  if (head.length < 512) throw untarFailed('unexpected EOF');
  if (!isTarHeader(head)) throw untarFailed('archive/tar: invalid tar header');
  return tar;
}

/**
 * `docker load`: spool the archive into scratch space on the data root, load its
 * images through the graph, and report each as dockerd does (`Loaded image: ...`).
 * The scratch directory goes whatever happens, client disconnects included.
 * dockerd answers 200 before it reads the archive, so whatever fails travels in the
 * stream (docker-py raises ImageLoadError from it, the CLI prints it without the
 * 'Error response from daemon' prefix).
 */
export const imageLoad: Handler<'image_load'> = async (job, ctx) => {
  if (!job.stdin) throw new InvalidParameter('the archive to load is missing from the request body');
  const out = job.stdout;
  sendHead(out);
  const graph = archiveGraph(ctx.graph);
  const scratch = await makeScratch(ctx.config.dataRoot, ctx.startedAt, 'load');
  try {
    const dir = await spoolArchive(await openArchive(job.stdin, scratch), scratch, job.signal).catch((err: unknown) => {
      const message = err instanceof Error ? err.message : '';
      // A tar that stops mid-block, and one with no member, in dockerd's words.
      if (message.endsWith('Unexpected end of data')) throw untarFailed('unexpected EOF');
      if (message === 'invalid tar header: the archive is empty') throw new InvalidParameter(`open ${scratch}/repositories: no such file or directory`);
      throw err;
    });
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
