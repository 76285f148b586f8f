/**
 * Spawning berth-shim and the SYNC exchange on fd 3 (README §2): the shim reports the
 * init's pid, the daemon puts the init in its cgroup and runs `beforeStart`, then says
 * `go`; the shim answers `started` or the reason the process could not start.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { System } from '../../../engine/errors.js';
import type { CgroupManager } from '../../../libcontainer/cgroups/types.js';
import { createFailedMessage, StartFailed, type StartRequest } from '../types.js';
import { ShimClient } from './control.js';
import { LineReader } from './lines.js';
import { shimBinary, type Bundle } from './paths.js';

export interface LaunchOptions {
  id: string;
  bundle: Bundle;
  logPath: string;
  stdin: boolean;
  stdinOnce: boolean;
  cgroup: CgroupManager;
  beforeStart?: (pid: number) => Promise<void>;
  attach?: StartRequest['attach'];
}

/** What a start leaves behind, for the caller's cleanup when it fails. */
export interface Launched { pid: number; shimPid: number }

/** The shim's launcher process: its stderr (for failures it cannot report on fd 3). */
function launch(o: LaunchOptions): { sync: LineReader; stderr: () => string; spawned: Promise<void> } {
  const args = ['start', '--bundle', o.bundle.shimDir, '--id', o.id, '--log', o.logPath,
    ...(o.stdin ? ['--stdin'] : []), ...(o.stdinOnce ? ['--stdin-once'] : [])];
  // detached: the shim must outlive the daemon and stay out of its process group.
  const child = spawn(shimBinary(), args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], detached: true });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { if (err.length < 4096) err += d; });
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  // The launcher exits at once after forking the shim; nothing here should keep Node alive.
  child.unref();
  return { sync: new LineReader(child.stdio[3] as Socket), stderr: () => err.trim(), spawned };
}

function failure(reply: Record<string, unknown>): StartFailed {
  const code = typeof reply.exitCode === 'number' ? reply.exitCode : 128;
  return new StartFailed(createFailedMessage(String(reply.error)), code);
}

/**
 * Runs the start up to `{"started":true}`. On failure it throws, and `onPid` has told the
 * caller which pids may still need to disappear before the cgroup can go.
 */
export async function launchShim(o: LaunchOptions, onPid: (l: Launched) => void): Promise<Launched> {
  const { sync, stderr, spawned } = launch(o);
  try {
    await spawned;
  } catch (err) {
    throw new System(`cannot run berth-shim: ${(err as Error).message}`, { cause: err });
  }
  try {
    const hello = await sync.json();
    if (hello === null) throw new System(`berth-shim failed to start: ${stderr() || 'no reason given'}`);
    if (typeof hello.pid !== 'number') {
      if (typeof hello.error === 'string') throw failure(hello);
      throw new System(`berth-shim sent an unexpected reply: ${JSON.stringify(hello)}`);
    }
    const pid = hello.pid;
    const shimPid = Number((await readFile(o.bundle.shimPid, 'utf8')).trim());
    const launched = { pid, shimPid };
    onPid(launched);
    // Limits are already set: the init enters its group before it runs anything.
    await o.cgroup.apply(pid);
    await o.beforeStart?.(pid);
    if (o.attach?.length) {
      const client = new ShimClient(o.bundle.sock);
      for (const a of o.attach) {
        const { stream } = await client.stream({ op: 'attach', stdin: a.stdin, stdout: a.stdout, stderr: a.stderr });
        a.onStream(stream);
      }
    }
    sync.sock.write('go\n');
    const done = await sync.json();
    if (done === null) throw new System(`berth-shim closed the start handshake: ${stderr() || 'no reason given'}`);
    if (done.started !== true) throw failure(done);
    return launched;
  } finally {
    // Closing fd 3 before `go` is how the shim learns to kill the init and give up.
    sync.sock.destroy();
  }
}
