import type { Duplex, Readable, Writable } from 'node:stream';
import { Conflict } from '../../engine/errors.js';
import type { Handler, JobContext } from '../context.js';
import { sendHead } from '../io.js';
import { replayLogs } from './logs.js';
import { containersOf, publish } from './common.js';
import { DetachWatcher } from './detach-keys.js';
import { runtimeOf } from './runtime.js';
import { Unmuxed } from './stdcopy.js';
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
  const a = job.args;
  // The log and the live stream come as stdcopy frames without a TTY; a raw attach
  // gets their payloads.
  const out = a.raw && !c.Config.Tty ? new Unmuxed(job.stdout!) : job.stdout!;
  const stdin = a.stdin && c.Config.OpenStdin === true;
  const want = { stdin, stdout: a.stdout, stderr: a.stderr };
  const h = rt.handle(c.Id);
  // A container that does not run now gets this attach for its next start before the
  // log is read: a start while the log is read (docker-py starts as soon as it has
  // the 101) hands its output here, and the log is read up to this moment only, so no
  // record comes twice. Registered after the log, a quick run would end unseen and
  // the attach would wait for a start that never comes.
  const waiting = a.stream && !(c.State.Running && h) ? waitForStart(rt, c.Id, want, job.signal) : null;
  const cutoffNs = waiting ? BigInt(Date.now()) * 1_000_000n + 999_999n : null;
  // logs=1: the log so far first, as dockerd's containerAttach, then (stream=1) live output.
  if (a.logs) {
    sendHead(out);
    await replayLogs(ctx, c, out, job.signal, { stdout: a.stdout, stderr: a.stderr }, cutoffNs);
  }
  // dockerd logs the attach here, before any wait for a start: `docker run` shows it
  // ahead of the start's own events, and an attach without stream=1 logs it too.
  publish(ctx, c, 'attach');
  if (!a.stream) {
    sendHead(out);
    out.end();
    return;
  }
  let stream: Duplex | null = null;
  if (!waiting) {
    // The process may have ended just now, its exit not yet recorded: then the attach
    // waits for the next start like any attach to a stopped container, as in dockerd.
    stream = await h!.attach(want).catch(async (err: unknown) => {
      if (!(err instanceof Conflict)) throw err;
      await rt.exited(c.Id);
      return null;
    });
  }
  sendHead(out);
  if (!stream) stream = await (waiting ?? waitForStart(rt, c.Id, want, job.signal));
  if (!stream) {
    if (!out.writableEnded) out.end();
    return;
  }
  await pump(ctx, c, stream, out, stdin ? job.stdin : null, a.detachKeys, job.signal);
};

/** The container's stream at its next start; null when the job is aborted first. */
function waitForStart(rt: ReturnType<typeof runtimeOf>, id: string, want: { stdin: boolean; stdout: boolean; stderr: boolean }, signal: AbortSignal): Promise<Duplex | null> {
  return new Promise<Duplex | null>((resolve) => {
    const off = rt.addAttach(id, { ...want, onStream: resolve });
    signal.addEventListener('abort', () => { off(); resolve(null); }, { once: true });
  });
}
