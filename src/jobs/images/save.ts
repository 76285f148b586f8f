import { rm } from 'node:fs/promises';
import { InvalidParameter, NotFound } from '../../engine/errors.js';
import { familiarTag, fullTag, parseTag, type TagRef } from '../../graph/archive/ref.js';
import { writeArchive, type SaveItem } from '../../graph/archive/save.js';
import { makeScratch } from '../../graph/archive/tmp.js';
import { archiveGraph, type ArchiveGraph } from '../../graph/archive/types.js';
import type { Handler } from '../context.js';

declare module '../../engine/job-table.js' {
  interface JobTable {
    /** `GET /images/{name}/get`, `GET /images/get?names=`: a docker-archive on stdout. */
    image_save: { args: { names: string[] }; result: void };
  }
}

/**
 * Which tags of the image `name` names go into the archive, as dockerd decides: an
 * ID (full or short) records none, `repo:tag` that tag, a bare `repo` every tag the
 * image has in that repository.
 */
export function saveItem(graph: ArchiveGraph, name: string): SaveItem {
  const tagged = name.lastIndexOf(':') > name.lastIndexOf('/');
  const image = resolveNamed(graph, name, tagged);
  const bare = name.replace(/^sha256:/, '');
  const byId = /^[0-9a-f]{1,64}$/.test(bare) && image.id.slice(7).startsWith(bare);
  // A name that is both a repository and an ID prefix (`cafe`) names the tag when the image has it.
  const ref = byId ? tryParse(name) : parseTag(name);
  if (byId && !(ref && image.tags.includes(fullTag(ref)))) return { image, tags: [] };
  if (tagged || !ref) return { image, tags: ref ? [familiarTag(ref)] : [] };
  const tags = image.tags.map((t) => parseTag(t)).filter((r) => r.repo === ref.repo).map(familiarTag);
  return { image, tags };
}

/**
 * dockerd saves every tag of a bare repository name, so an unknown one is named
 * as given, without a tag: `No such image: nosuch`, where resolving says `nosuch:latest`.
 * An unknown tag or digest of a name is looked up in dockerd's reference store
 * alone, whose 404 says only `reference does not exist`.
 */
function resolveNamed(graph: ArchiveGraph, name: string, tagged: boolean): ReturnType<ArchiveGraph['resolve']> {
  try {
    return graph.resolve(name);
  } catch (err) {
    if (!(err instanceof NotFound)) throw err;
    const pinned = (tagged || name.includes('@')) && !name.startsWith('sha256:');
    if (pinned) throw new NotFound('reference does not exist');
    if (tryParse(name)) throw new NotFound(`No such image: ${name}`);
    throw err;
  }
}

function tryParse(name: string): TagRef | null {
  try {
    return parseTag(name);
  } catch {
    return null;
  }
}

/** Merge items naming the same image, so it is written once with all its requested tags. */
function merge(items: SaveItem[]): SaveItem[] {
  const byId = new Map<string, SaveItem>();
  for (const it of items) {
    const cur = byId.get(it.image.id);
    if (!cur) byId.set(it.image.id, { image: it.image, tags: [...it.tags] });
    else for (const t of it.tags) if (!cur.tags.includes(t)) cur.tags.push(t);
  }
  return [...byId.values()];
}

/**
 * `docker save`: every name is resolved before the first byte goes out, so an
 * unknown image is a clean 404; then the archive streams straight to the client.
 */
export const imageSave: Handler<'image_save'> = async (job, ctx) => {
  if (job.args.names.length === 0) throw new InvalidParameter('no image names given to save');
  if (!job.stdout) throw new Error('image_save needs a stdout');
  const graph = archiveGraph(ctx.graph);
  const items = merge(job.args.names.map((n) => saveItem(graph, n)));
  const scratch = await makeScratch(ctx.config.dataRoot, ctx.startedAt, 'save');
  try {
    await writeArchive(graph, items, job.stdout, { tmpDir: scratch, signal: job.signal });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  for (const { image } of items) {
    const labels = image.config.config?.Labels ?? {};
    ctx.events.publish({ Type: 'image', Action: 'save', id: image.id, attributes: { ...labels, name: image.id } });
  }
};
