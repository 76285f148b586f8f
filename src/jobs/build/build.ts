import { rm } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { build } from '../../builder/build.js';
import { ContextRemovals } from '../../builder/dockerignore.js';
import type { SourceRoot } from '../../builder/sources.js';
import { StepError } from '../../builder/step.js';
import { InvalidParameter } from '../../engine/errors.js';
import { makeScratch, tmpRoot } from '../../graph/archive/tmp.js';
import type { Handler, JobContext } from '../context.js';
import type { Job } from '../../engine/job.js';
import { JobBackend } from './backend.js';
import { parsePlatform } from '../../graph/registry/platform.js';
import { maxContextBytes, openContext, type Context } from './context.js';
import { isGitUrl, remoteContext } from './context-remote.js';
import { gitContext } from './context-git.js';
import { progressBar } from '../../graph/archive/messages.js';
import { trackBuild } from './running.js';

/** A stream taking the JSON lines a pull writes, each handed on as a message of the build's. */
function messagesTo(say: (msg: Record<string, unknown>) => void): Writable {
  let rest = '';
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      rest += chunk.toString('utf8');
      for (let i = rest.indexOf('\n'); i >= 0; i = rest.indexOf('\n')) {
        const line = rest.slice(0, i).trim();
        rest = rest.slice(i + 1);
        if (line) say(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
}

/**
 * `POST /build` (`DOCKER_BUILDKIT=0 docker build`): open the context, run the
 * legacy builder, tag the result. Output is dockerd's JSON message stream;
 * a step's failure, once output has started, travels in it as errorDetail (with
 * the command's exit code, which the CLI exits with). Nothing is tagged unless the
 * whole build succeeded.
 */
export const imageBuild: Handler<'image_build'> = async (job, ctx) => {
  // Ended by the client's going away, the daemon's shutdown, or a `build/cancel` of its id.
  const tracked = trackBuild(ctx, job.args.buildId, job.signal);
  try {
    await runBuild(job, ctx, tracked.signal);
  } finally {
    tracked.done();
  }
};

async function runBuild(job: Job<'image_build'>, ctx: JobContext, signal: AbortSignal): Promise<void> {
  const a = job.args;
  if (!a.remote && !job.stdin) throw new InvalidParameter('the build context is missing from the request body');
  const out = job.stdout!;
  let started = false;
  // Messages made in one turn of the event loop go out as one write: a fully cached
  // build's twenty-odd lines are one chunk, while RUN's output still streams (each
  // piece of it arrives in a turn of its own).
  let pending = '';
  let flushing: NodeJS.Immediate | null = null;
  const flush = (): void => {
    if (flushing) clearImmediate(flushing);
    flushing = null;
    if (pending && !out.destroyed) out.write(pending);
    pending = '';
  };
  const write = (msg: Record<string, unknown>): void => {
    started = true;
    pending += `${JSON.stringify(msg)}\r\n`;
    flushing ??= setImmediate(flush);
  };
  // With -q dockerd writes the build's messages (aux too) into a buffer that only a
  // failure sends, before its error; a success sends just the image ID.
  const held: Record<string, unknown>[] = [];
  const say = (msg: Record<string, unknown>): void => { if (a.quiet) held.push(msg); else write(msg); };
  const text = (s: string): void => say({ stream: s });
  // Scratch space for the context's files, made when first asked for: while the
  // context arrives, or never for a context left in memory that no step extracts
  // (see openContext). `scratch` is its path once made.
  let scratch: string | null = null;
  let made: Promise<string> | null = null;
  const scratchDir = (): Promise<string> => {
    if (!made) {
      made = makeScratch(ctx.config.dataRoot, ctx.startedAt, 'build');
      made.then((d) => { scratch = d; }, () => {
        // reported to whoever waits for it
      });
    }
    return made;
  };
  let context: Context | undefined;
  let stdin = job.stdin!;
  if (a.remote) {
    job.stdin?.resume(); // a remote context's request has no body to read
    // As dockerd's progress reader, its arguments swapped: the URL is the status.
    const downloaded = (n: number): void => say({ status: a.remote, progressDetail: { current: n }, progress: progressBar(n, 0), id: 'Downloading context' });
    stdin = isGitUrl(a.remote)
      ? await gitContext(a.remote, tmpRoot(ctx.config.dataRoot), signal)
      : await remoteContext(a.remote, a.dockerfile, signal, downloaded);
  }
  try {
    try {
      context = await openContext(stdin, scratchDir, a.dockerfile, maxContextBytes(ctx.config.maxBuildContext), signal, undefined, tmpRoot(ctx.config.dataRoot));
    } catch (err) {
      if (!stdin.destroyed) stdin.resume();
      throw err;
    }
    // dockerd checks the platform once it has the Dockerfile, before the first step.
    if (a.platform) parsePlatform(a.platform);
    // A context left in memory is read through its view until a step needs its files;
    // its materialize makes the directory (scratch is set before it resolves).
    if (!context.view) await scratchDir();
    const backend = new JobBackend(ctx, signal, { auth: a.registryAuth, platform: a.platform, out: messagesTo(say) });
    let id: string;
    try {
      const c = context;
      const root: SourceRoot = {
        get dir(): string {
          if (scratch === null) throw new Error('the build context is not extracted yet');
          return scratch;
        },
        ignore: new ContextRemovals(c.ignore, a.dockerfile), digests: c.digests, view: c.view, materialize: c.materialize,
      };
      id = await build(backend, context.dockerfile, root, a, {
        out: text,
        err: (s) => text(`\u001b[91m${s}\u001b[0m`),
        progress: (m) => say({ ...m }),
        aux: (imageId) => say({ aux: { ID: imageId } }),
      }, signal);
    } catch (err) {
      for (const m of held) write(m);
      if (!started) throw err;
      const message = (err as Error).message;
      const code = err instanceof StepError ? err.code : undefined;
      write({ errorDetail: code !== undefined ? { code, message } : { message }, error: message });
      return;
    }
    for (const t of a.tags) backend.tag(id, t);
    if (a.quiet) {
      write({ stream: `${id}\n` });
      return;
    }
    text(`Successfully built ${id.replace(/^sha256:/, '').slice(0, 12)}\n`);
    for (const t of a.tags) text(`Successfully tagged ${t.includes(':') || t.includes('@') ? t : `${t}:latest`}\n`);
  } finally {
    // Once output has started the answer is complete here: the client need not wait
    // for the clean-up (a daemon stopped meanwhile sweeps scratch space at its start).
    flush();
    if (started && !out.writableEnded) out.end();
    // An extraction started in the background must not write into what rm removes.
    await context?.release();
    // (Set by scratchDir, which the compiler does not see run.)
    const making = made as Promise<string> | null;
    const dir = making ? await making.catch(() => null) : null;
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}
