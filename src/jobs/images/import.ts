import { InvalidParameter, NotImplemented } from '../../engine/errors.js';
import { applyChanges } from '../../graph/archive/changes.js';
import { emptyContainerConfig, importConfig, parsePlatform } from '../../graph/archive/import.js';
import { writeMessage } from '../../graph/archive/messages.js';
import { familiarTag, fullTag, parseTag, type TagRef } from '../../graph/archive/ref.js';
import { archiveGraph } from '../../graph/archive/types.js';
import type { LayerRecord } from '../../graph/types.js';
import type { Handler } from '../context.js';
import { importTar, importTarError } from './import-tar.js';

export interface ImageImportArgs {
  /** `-` for the request body; a URL is not fetched (yet). */
  src: string;
  repo?: string;
  tag?: string;
  changes: string[];
  message?: string;
  platform?: string;
}

declare module '../../engine/job-table.js' {
  interface JobTable {
    /** `POST /images/create?fromSrc=`: a root filesystem tar becomes a one-layer image. */
    image_import: { args: ImageImportArgs; result: void };
  }
}

/** The tag to give the imported image: `repo` may carry one, `tag` overrides it. */
function targetRef(repo: string | undefined, tag: string | undefined): TagRef | null {
  if (!repo) return null;
  if (repo.includes('@')) throw new InvalidParameter('cannot import digest reference');
  const ref = parseTag(repo);
  return tag ? parseTag(`${ref.repo}:${tag}`) : ref;
}

/**
 * `docker import`: everything the request says is checked before the body is read
 * (changes, reference, platform), then the tar streams once into a new layer, and
 * the config dockerd would write makes the image. Replies `{"status":"sha256:..."}`.
 */
export const imageImport: Handler<'image_import'> = async (job, ctx) => {
  const { src, repo, tag, changes, message, platform } = job.args;
  const stdin = job.stdin;
  const graph = archiveGraph(ctx.graph);
  const onAbort = () => stdin?.destroy(job.signal.reason as Error);
  job.signal.addEventListener('abort', onAbort, { once: true });
  let layer: LayerRecord;
  let ref: TagRef | null;
  let plat: ReturnType<typeof parsePlatform>;
  try {
    if (src !== '-') throw new NotImplemented('importing from a URL is not implemented yet');
    if (!stdin) throw new InvalidParameter('the archive to import is missing from the request body');
    applyChanges(emptyContainerConfig(), changes);
    ref = targetRef(repo, tag);
    plat = parsePlatform(platform);
    layer = await graph.createLayer(null, await importTar(stdin)).catch((err: unknown) => { throw importTarError(err); });
  } catch (err) {
    // Read the rest of the body away so the error reaches the client.
    if (stdin && !stdin.destroyed) stdin.resume();
    throw err;
  } finally {
    job.signal.removeEventListener('abort', onAbort);
  }
  const config = importConfig({ diffId: layer.diffId, changes, message: message || `Imported from ${src}`, ...plat });
  let image;
  try {
    image = graph.createImage(config);
  } catch (err) {
    await graph.releaseLayer?.(layer.chainId).catch(() => undefined);
    throw err;
  }
  const labels = image.config.config?.Labels ?? {};
  // dockerd tags first, so its `tag` event comes before `import`.
  if (ref) {
    graph.tag(image.id, fullTag(ref));
    ctx.events.publish({ Type: 'image', Action: 'tag', id: image.id, attributes: { ...labels, name: familiarTag(ref) } });
  }
  ctx.events.publish({ Type: 'image', Action: 'import', id: image.id, attributes: { ...labels, name: image.id } });
  writeMessage(job.stdout, { status: image.id });
};
