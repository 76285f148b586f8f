import { Transform, type Readable, type Writable } from 'node:stream';
import { InvalidParameter } from '../../engine/errors.js';
import { applyChanges } from '../../graph/archive/changes.js';
import { emptyContainerConfig, importConfig, parsePlatform } from '../../graph/archive/import.js';
import { progressBar, writeMessage } from '../../graph/archive/messages.js';
import { familiarTag, fullTag, parseTag, type TagRef } from '../../graph/archive/ref.js';
import { archiveGraph } from '../../graph/archive/types.js';
import type { LayerRecord } from '../../graph/types.js';
import { getWithStatusError } from '../../graph/remote/get.js';
import type { Handler } from '../context.js';
import { importTar, importTarError } from './import-tar.js';

export interface ImageImportArgs {
  /** `-` for the request body, else a URL the daemon fetches (`http://` when it names no scheme). */
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

/** `docker import URL`: the answer's body, with dockerd's "Downloading from" line and Importing progress. */
async function download(url: string, out: Writable | null, signal: AbortSignal): Promise<Readable> {
  try {
    new URL(url);
  } catch {
    throw new InvalidParameter(`parse ${JSON.stringify(url)}: invalid URL`);
  }
  const { res } = await getWithStatusError(url, signal);
  writeMessage(out, { status: `Downloading from ${url}` });
  const declared = Number(res.headers['content-length'] ?? -1);
  const total = Number.isFinite(declared) ? declared : -1;
  let current = 0;
  let shown = 0;
  const report = () => writeMessage(out, { status: 'Importing', progressDetail: total > 0 ? { current, total } : { current }, progress: progressBar(current, total) });
  const counted = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      current += chunk.length;
      // A line per half MiB at most: the CLI redraws one bar from them.
      if (current - shown >= 512 * 1024) { shown = current; report(); }
      cb(null, chunk);
    },
    flush(cb) { report(); cb(); },
  });
  // A connection lost mid-body fails the import, not just the download.
  res.on('error', (err) => counted.destroy(err));
  return res.pipe(counted);
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
  let source = src;
  try {
    applyChanges(emptyContainerConfig(), changes);
    ref = targetRef(repo, tag);
    plat = parsePlatform(platform);
    let tar: Readable;
    if (src === '-') {
      if (!stdin) throw new InvalidParameter('the archive to import is missing from the request body');
      tar = stdin;
    } else {
      // dockerd closes the body unread and GETs the URL instead.
      stdin?.resume();
      source = src.includes('://') ? src : `http://${src}`;
      tar = await download(source, job.stdout, job.signal);
    }
    layer = await graph.createLayer(null, await importTar(tar)).catch((err: unknown) => { throw importTarError(err); });
  } catch (err) {
    // Read the rest of the body away so the error reaches the client.
    if (stdin && !stdin.destroyed) stdin.resume();
    throw err;
  } finally {
    job.signal.removeEventListener('abort', onAbort);
  }
  const config = importConfig({ diffId: layer.diffId, changes, message: message || `Imported from ${source}`, ...plat });
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
