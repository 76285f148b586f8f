import type { Handler } from '../context.js';
import { findExec } from './registry.js';
import type { ExecInspect } from './types.js';

/**
 * `GET /exec/{id}/json`: ExitCode stays null until the process ended; `user` only when
 * set. Once an attached stream has ended the exit is known to the shim and on its
 * way: waited for, since the client asks right after the end (as dockerd, which ends
 * the stream after recording the exit).
 */
export const execInspect: Handler<'exec_inspect'> = async (job, ctx) => {
  const { rec } = findExec(ctx, job.args.id);
  if (rec.streamEnded && rec.exitCode === null) await rec.done;
  const processConfig: ExecInspect['ProcessConfig'] = {
    tty: rec.tty, entrypoint: rec.entrypoint, arguments: rec.args, privileged: rec.privileged,
  };
  if (rec.user) processConfig.user = rec.user;
  return {
    ID: rec.id,
    Running: rec.running,
    ExitCode: rec.exitCode,
    ProcessConfig: processConfig,
    OpenStdin: rec.openStdin,
    OpenStderr: rec.openStderr,
    OpenStdout: rec.openStdout,
    CanRemove: false,
    ContainerID: rec.containerId,
    DetachKeys: Buffer.from(rec.detachKeys).toString('base64'),
    Pid: rec.pid,
  };
};
