/**
 * Spawning berth-shim and the SYNC exchange on fd 3 (README §2): the shim reports the
 * init's pid, the daemon puts the init in its cgroup and runs `beforeStart`, then says
 * `go`; the shim answers `started` or the reason the process could not start.
 */
import { readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { System } from '../../../engine/errors.js';
import type { CgroupManager } from '../../../libcontainer/cgroups/types.js';
import { spawnShim, waitPid } from '../../../libcontainer/native.js';
import { createFailedMessage, notADirectory, StartFailed, type StartRequest } from '../types.js';
import { ShimClient } from './control.js';
import { LineReader } from './lines.js';
import { shimBinary, type Bundle } from './paths.js';

export interface LaunchOptions {
  id: string;
  bundle: Bundle;
  logPath: string;
  logRotation?: StartRequest['logRotation'];
  stdin: boolean;
  stdinOnce: boolean;
  cgroup: CgroupManager;
  /** The group being made while the shim starts; the init joins it once it is ready. */
  cgroupReady: Promise<void>;
  beforeStart?: (pid: number) => Promise<void>;
  attach?: StartRequest['attach'];
}

/** What a start leaves behind, for the caller's cleanup when it fails. */
export interface Launched { pid: number; shimPid: number }

/**
 * Starts the shim's launcher (posix_spawn on the thread pool: the daemon is never
 * forked; the launcher is reaped there too). Its stderr carries the failures it cannot
 * report on fd 3; `stderrDone` settles at that pipe's EOF (the launcher gone and the
 * shim on /dev/null) or after a second.
 */
async function launch(o: LaunchOptions): Promise<{ sync: LineReader; stderr: () => string; stderrDone: () => Promise<void>; close: () => void }> {
  const bin = shimBinary();
  const args = [bin, 'start', '--bundle', o.bundle.shimDir, '--id', o.id, '--log', o.logPath,
    ...(o.logRotation ? ['--log-max-size', String(o.logRotation.maxSize), '--log-max-files', String(o.logRotation.maxFiles)] : []),
    ...(o.stdin ? ['--stdin'] : []), ...(o.stdinOnce ? ['--stdin-once'] : [])];
  let child;
  try {
    child = await spawnShim(bin, args);
  } catch (err) {
    throw new System(`cannot run berth-shim: ${(err as Error).message}`, { cause: err });
  }
  // The launcher exits at once after forking the shim (which leaves our session).
  void waitPid(child.pid).catch(() => undefined);
  const errSock = new Socket({ fd: child.stderr, readable: true, writable: false });
  const syncSock = new Socket({ fd: child.sync, readable: true, writable: true });
  let err = '';
  errSock.setEncoding('utf8').on('data', (d: string) => { if (err.length < 4096) err += d; });
  errSock.on('error', () => undefined);
  const ended = new Promise<void>((resolve) => errSock.once('close', () => resolve()));
  const stderrDone = (): Promise<void> => Promise.race([ended, sleep(1000)]);
  return {
    sync: new LineReader(syncSock), stderr: () => err.trim(), stderrDone,
    close: () => { errSock.destroy(); },
  };
}

function failure(reply: Record<string, unknown>): StartFailed {
  const reason = String(reply.error);
  // dockerd's translateContainerdStartErr: ENOTDIR is 127, whatever the shim's code.
  const code = notADirectory(reason) ? 127 : typeof reply.exitCode === 'number' ? reply.exitCode : 128;
  return new StartFailed(createFailedMessage(reason), code);
}

/**
 * Runs the start up to `{"started":true}`. On failure it throws, and `onPid` has told the
 * caller which pids may still need to disappear before the cgroup can go.
 */
export async function launchShim(o: LaunchOptions, onPid: (l: Launched) => void): Promise<Launched> {
  const { sync, stderr, stderrDone, close } = await launch(o);
  try {
    const hello = await sync.json();
    if (hello === null) {
      await stderrDone(); // its reason may still be on the way
      throw new System(`berth-shim failed to start: ${stderr() || 'no reason given'}`);
    }
    if (typeof hello.pid !== 'number') {
      if (typeof hello.error === 'string') throw failure(hello);
      throw new System(`berth-shim sent an unexpected reply: ${JSON.stringify(hello)}`);
    }
    const pid = hello.pid;
    // A few bytes the shim wrote before its hello: read at once, not through the thread pool.
    const shimPid = Number(readFileSync(o.bundle.shimPid, 'utf8').trim());
    const launched = { pid, shimPid };
    onPid(launched);
    // Limits are already set: the init enters its group before it runs anything. Its
    // network is plugged meanwhile (neither needs the other); both settle before `go`, so
    // a failure of one never leaves the other still making things.
    await o.cgroupReady;
    const [joined, plugged] = await Promise.allSettled([o.cgroup.apply(pid), o.beforeStart?.(pid)]);
    if (joined.status === 'rejected') throw joined.reason;
    if (plugged.status === 'rejected') throw plugged.reason;
    if (o.attach?.length) {
      const client = new ShimClient(o.bundle.sock);
      for (const a of o.attach) {
        const { stream } = await client.stream({ op: 'attach', stdin: a.stdin, stdout: a.stdout, stderr: a.stderr });
        a.onStream(stream);
      }
    }
    sync.sock.write('go\n');
    const done = await sync.json();
    if (done === null) {
      await stderrDone();
      throw new System(`berth-shim closed the start handshake: ${stderr() || 'no reason given'}`);
    }
    if (done.started !== true) throw failure(done);
    return launched;
  } finally {
    // Closing fd 3 before `go` is how the shim learns to kill the init and give up.
    sync.sock.destroy();
    close();
  }
}
