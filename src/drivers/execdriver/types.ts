/**
 * The execdriver contract: how the container jobs run a container's processes.
 * The only driver is `native` (berth-shim, one per running container); the jobs
 * never see the shim protocol, only these handles.
 */
import type { Duplex } from 'node:stream';
import type { Logger } from '../../engine/log.js';
import type { OciSpec, OciProcess } from '../../libcontainer/oci.js';
import type { Resources } from '../../libcontainer/cgroups/resources.js';
import type { CgroupStats } from '../../libcontainer/cgroups/types.js';
import { BerthError, type ErrorKind } from '../../engine/errors.js';

export type { Logger };

export interface ExitStatus { exitCode: number; signal: number | null; finishedAt: string /* RFC3339Nano */; oomKilled: boolean }

export interface StartRequest {
  id: string;                 // container id (64 hex)
  spec: OciSpec;              // from buildSpec; root.path is the mounted rootfs
  resources: Resources;       // cgroup limits applied before the process runs
  logPath: string;            // json-file log path (the jobs choose it: <data-root>/containers/<id>/<id>-json.log)
  /** Rotate the log once it reaches maxSize bytes, keeping maxFiles files (dockerd's max-size, max-file); none: one file that grows. */
  logRotation?: { maxSize: number; maxFiles: number };
  stdin: boolean; stdinOnce: boolean;
  /**
   * Runs once the init exists (in its namespaces), while it joins its cgroup, before it
   * execs: the network plugs the veth here. The command runs only when both are done.
   */
  beforeStart?: (pid: number) => Promise<void>;
  /**
   * Attach streams opened while the init waits to exec (the shim allows attach in its
   * `created` state), each handed to `onStream` before the command runs: a client that
   * attached before `start` (`docker run` without -d) then sees all of the output.
   */
  attach?: { stdin: boolean; stdout: boolean; stderr: boolean; onStream: (stream: Duplex) => void }[];
}

/**
 * A start failure the client must see as dockerd shows it: the process could not be
 * started (126: not executable / permission, 127: not found, 128: anything else).
 * dockerd 20.10 (containerd 1.6, runc 1.1) answers
 * `failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "x": executable file not found in $PATH: unknown`;
 * it classifies not-found and permission errors as invalid configuration (400) and
 * the rest as unknown (500), so the kind follows the exit code.
 * `exitCode` is what the container's State.ExitCode records.
 */
export class StartFailed extends BerthError {
  readonly kind: ErrorKind;
  constructor(message: string, readonly exitCode: number, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = exitCode === 126 || exitCode === 127 ? 'invalid_parameter' : 'system';
  }
}

/** The runtime's reason for a failed start, worded as dockerd 20.10 reports it. */
export function createFailedMessage(reason: string): string {
  return withNotDirHint(`failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: ${reason}: unknown`);
}

/** The same for `docker exec` (dockerd 20.10: "OCI runtime exec failed: exec failed: ..."). */
export function execFailedMessage(reason: string): string {
  return withNotDirHint(`OCI runtime exec failed: exec failed: unable to start container process: ${reason}: unknown`);
}

/** Whether a start failed on ENOTDIR, which dockerd records as exit code 127. */
export const notADirectory = (reason: string): boolean => reason.includes('not a directory');

/** dockerd's translateContainerdStartErr adds this hint to any ENOTDIR failure, a mount's or not. */
function withNotDirHint(message: string): string {
  if (!notADirectory(message)) return message;
  return `${message}: Are you trying to mount a directory onto a file (or vice-versa)? Check if the specified host path exists and is the expected type`;
}

export interface ContainerHandle {
  readonly id: string;
  readonly pid: number;         // init pid (host namespace)
  readonly startedAt: string;   // RFC3339Nano
  signal(sig: number): Promise<void>;             // ok if it already exited
  /** Resolves once the container has exited (also for exits that happened while the daemon was down). */
  wait(): Promise<ExitStatus>;
  attach(opts: { stdin: boolean; stdout: boolean; stderr: boolean }): Promise<Duplex>; // stdcopy frames without tty, raw with tty (shim protocol)
  closeStdin(): Promise<void>;
  resize(width: number, height: number): Promise<void>;
  pause(): Promise<void>; resume(): Promise<void>;
  update(resources: Resources): Promise<void>;
  stats(): Promise<CgroupStats & { pids: number[] }>;
  top(): Promise<number[]>;       // host pids in the container
  exec(req: { id: string; process: OciProcess; stdin: boolean; detach: boolean }): Promise<ExecHandle>;
  /** After exit: remove cgroups, release the shim, keep nothing running. Idempotent. */
  cleanup(): Promise<void>;
}

export interface ExecHandle { readonly id: string; readonly pid: number; stream: Duplex | null /* null when detached */; wait(): Promise<{ exitCode: number }>; resize(w: number, h: number): Promise<void> }

export interface ExecDriver {
  readonly name: string;                       // 'native'
  start(req: StartRequest): Promise<ContainerHandle>;
  /** After a daemon restart: reconnect to a container started earlier. `null` if nothing of it is left. An exit that happened meanwhile resolves wait() at once from exit.json. */
  restore(id: string): Promise<ContainerHandle | null>;
  /** Bundle dir, for tests and cleanup: <exec-root>/containers/<id> */
  bundleDir(id: string): string;
  /** Remove the bundle dir of a container that is gone. */
  remove(id: string): Promise<void>;
  /** Ids that have a bundle under the exec root: the daemon's start-up reconciliation finds leftovers with it. */
  list(): Promise<string[]>;
}

export interface NativeDriverOptions { execRoot: string; log: Logger; cgroupParent?: string /* default 'berth' */ }
