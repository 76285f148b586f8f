import type { Duplex, Readable, Writable } from 'node:stream';
import { Conflict } from '../../engine/errors.js';
import type { Handler, JobContext } from '../context.js';
import { sendHead } from '../io.js';
import { replayLogs } from './logs.js';
import { containersOf, publish } from './common.js';
import { DetachWatcher } from './detach-keys.js';
import { runtimeOf } from './runtime.js';
import type { ContainerRecord } from './types.js';

/**
 * Join the container's stream and the client's connection: output to the client,
 * the client's stdin (when attached) to the container, watching for the detach keys.
 * Resolves when the container's stream ends, the client detaches or goes away.
 */
function pump(ctx: JobContext, c: ContainerRecord, stream: Duplex, out: Writable, input: Readable | null, keys: number[], signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      input?.off('data', onData);
      resolve();
    };
    stream.on('error', () => undefined);
    stream.pipe(out);
    out.once('finish', finish);
    out.once('close', finish);
    out.once('error', () => { stream.destroy(); finish(); });
    signal.addEventListener('abort', () => { stream.destroy(); if (!out.writableEnded) out.end(); finish(); }, { once: true });
    const watcher = new DetachWatcher(keys);
    const onData = (chunk: Buffer) => {
      const { forward, detach } = watcher.feed(chunk);
      if (forward.length) stream.write(forward);
      if (detach) {
        publish(ctx, c, 'detach');
        stream.unpipe(out);
        stream.destroy();
        out.end();
      }
    };
    if (input) {
      input.on('data', onData);
      // The client half-closed: the container's stdin closes for this client (and for
      // all with StdinOnce), output keeps flowing.
      input.once('end', () => { if (!done) stream.end(); });
    }
  });
}

/**
 * `POST /containers/{id}/attach` (hijacked): to a running container at once; to one
 * that does not run, the attach waits for its next start, which hands the stream over
 * before the process runs, so that `docker run` and `docker start -a` see all output.
 */
export const containerAttach: Handler<'container_attach'> = async (job, ctx) => {
  const store = containersOf(ctx);
  const rt = runtimeOf(ctx);
  const c = store.get(job.args.name);
  const out = job.stdout!;
  const a = job.args;
  const stdin = a.stdin && c.Config.OpenStdin === true;
  const want = { stdin, stdout: a.stdout, stderr: a.stderr };
  // logs=1: the log so far first, as dockerd's containerAttach, then (stream=1) live output.
  if (a.logs) {
    sendHead(out);
    await replayLogs(ctx, c, out, job.signal, { stdout: a.stdout, stderr: a.stderr });
  }
  // dockerd logs the attach here, before any wait for a start: `docker run` shows it
  // ahead of the start's own events, and an attach without stream=1 logs it too.
  publish(ctx, c, 'attach');
  if (!a.stream) {
    sendHead(out);
    out.end();
    return;
  }
  const h = rt.handle(c.Id);
  let stream: Duplex | null = null;
  if (c.State.Running && h) {
    // The process may have ended just now, its exit not yet recorded: then the attach
    // waits for the next start like any attach to a stopped container, as in dockerd.
    stream = await h.attach(want).catch(async (err: unknown) => {
      if (!(err instanceof Conflict)) throw err;
      await rt.exited(c.Id);
      return null;
    });
  }
  if (stream) {
    sendHead(out);
  } else {
    let off: () => void = () => undefined;
    const started = new Promise<Duplex | null>((resolve) => {
      off = rt.addAttach(c.Id, { ...want, onStream: resolve });
      job.signal.addEventListener('abort', () => { off(); resolve(null); }, { once: true });
    });
    sendHead(out);
    stream = await started;
  }
  if (!stream) {
    if (!out.writableEnded) out.end();
    return;
  }
  await pump(ctx, c, stream, out, stdin ? job.stdin : null, a.detachKeys, job.signal);
};
