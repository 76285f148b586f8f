import type { Duplex, Readable, Transform, Writable } from 'node:stream';
import { DetachWatcher } from '../containers/detach-keys.js';

/** How a client's session with an exec ended. */
export type PumpEnd = 'exited' | 'detached' | 'gone';

/**
 * Join an exec's stream and the client's connection: the process's output through
 * `output` (the reframing) to the client, the client's stdin (when the exec has one)
 * to the process, its half-close ending the process's stdin. Detach keys are watched
 * only when given (dockerd watches them with a tty only). Resolves once the process's
 * output has ended, the client detached, or the client went away; the caller ends `out`.
 */
export function pumpExec(stream: Duplex, output: Transform, out: Writable, input: Readable | null, keys: number[] | null, signal: AbortSignal): Promise<PumpEnd> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (how: PumpEnd) => {
      if (done) return;
      done = true;
      input?.off('data', onData);
      resolve(how);
    };
    stream.on('error', () => output.end());
    stream.pipe(output).pipe(out, { end: false });
    output.once('end', () => finish('exited'));
    const gone = () => { stream.destroy(); finish('gone'); };
    out.once('close', gone);
    out.once('error', gone);
    if (signal.aborted) gone();
    signal.addEventListener('abort', gone, { once: true });
    const watcher = new DetachWatcher(keys ?? []);
    const onData = (chunk: Buffer) => {
      const { forward, detach } = watcher.feed(chunk);
      if (forward.length) stream.write(forward);
      if (detach) {
        // The process goes on; only this client leaves.
        stream.unpipe(output);
        stream.destroy();
        finish('detached');
      }
    };
    if (!input) return;
    input.on('data', onData);
    // The server paused the socket while it read the start request's body.
    input.resume();
    if (input.readableEnded) stream.end();
    else input.once('end', () => { if (!done) stream.end(); });
  });
}
