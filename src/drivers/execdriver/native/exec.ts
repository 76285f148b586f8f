/**
 * `docker exec` through the shim: the `exec` request starts the process and (unless
 * detached) turns its connection into the process's stream; `exec-state` tells the
 * exit code once it ended.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Conflict } from '../../../engine/errors.js';
import type { OciProcess } from '../../../libcontainer/oci.js';
import { execFailedMessage, StartFailed, type ExecHandle } from '../types.js';
import { ShimRefused, shimGone, type ShimClient } from './control.js';

/**
 * The exit code of an exec whose shim went away before it could be asked: the process
 * died with the container's pid namespace, which the kernel does by SIGKILL (128+9).
 */
const KILLED_WITH_CONTAINER = 137;

/** The exit code dockerd 20.10 gives an exec that could not start (checked against it). */
const EXEC_START_FAILED = 126;

class NativeExec implements ExecHandle {
  private done?: Promise<{ exitCode: number }>;
  private wake: () => void = () => {};

  constructor(readonly id: string, readonly pid: number, readonly stream: Duplex | null, private readonly client: ShimClient, sock?: Socket) {
    // The shim closes the connection once the process exited and its output drained.
    sock?.once('close', () => this.wake());
  }

  wait(): Promise<{ exitCode: number }> {
    this.done ??= this.poll();
    return this.done;
  }

  /** No exec-wait request exists: ask `exec-state`, sooner when the stream closes. */
  private async poll(): Promise<{ exitCode: number }> {
    for (let delay = 10; ; delay = Math.min(delay * 2, 250)) {
      let st: Record<string, unknown>;
      try {
        st = await this.client.request({ op: 'exec-state', id: this.id });
      } catch (err) {
        if (shimGone(err) || err instanceof ShimRefused) return { exitCode: KILLED_WITH_CONTAINER };
        throw err;
      }
      if (st.running === false && typeof st.exitCode === 'number') return { exitCode: st.exitCode };
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        void sleep(delay).then(resolve);
      });
    }
  }

  async resize(w: number, h: number): Promise<void> {
    try {
      await this.client.request({ op: 'resize', width: w, height: h, exec: this.id });
    } catch (err) {
      if (!shimGone(err) && !(err instanceof ShimRefused)) throw err;
    }
  }
}

export async function execIn(client: ShimClient, containerId: string,
  req: { id: string; process: OciProcess; stdin: boolean; detach: boolean }): Promise<ExecHandle> {
  const msg = { op: 'exec', id: req.id, process: req.process, stdin: req.stdin, detach: req.detach };
  try {
    if (req.detach) {
      const reply = await client.request(msg);
      return new NativeExec(req.id, Number(reply.pid), null, client);
    }
    const { reply, stream, sock } = await client.stream(msg);
    return new NativeExec(req.id, Number(reply.pid), stream, client, sock);
  } catch (err) {
    if (err instanceof ShimRefused) {
      const code = err.reply.exitCode;
      // Refusals without an exit code, or this one, are about the container, not the command.
      if (typeof code !== 'number' || err.message === 'container is not running') throw new Conflict(`Container ${containerId} is not running`, { cause: err });
      // dockerd 20.10 records 126 for every exec that could not start, a missing command included.
      throw new StartFailed(execFailedMessage(err.message), EXEC_START_FAILED, { cause: err });
    }
    if (shimGone(err)) throw new Conflict(`Container ${containerId} is not running`, { cause: err });
    throw err;
  }
}
