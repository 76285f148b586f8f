import { randomBytes } from 'node:crypto';
import { Conflict, System } from '../../engine/errors.js';
import { processEnv } from '../../libcontainer/process-env.js';
import { DEFAULT_PATH } from '../../libcontainer/spec.js';
import type { Handler } from '../context.js';
import { containersOf, publish } from '../containers/common.js';
import { parseDetachKeys } from '../containers/detach-keys.js';
import { runtimeOf } from '../containers/runtime.js';
import { execsOf, sweepExecs, type ExecRecord } from './registry.js';

/** dockerd's checks of getActiveContainer, in its order (Running is also true when paused or restarting). */
function refuseInactive(c: { Id: string; State: { Running: boolean; Paused: boolean; Restarting: boolean } }, name: string): void {
  if (!c.State.Running) throw new Conflict(`Container ${c.Id} is not running`);
  if (c.State.Paused) throw new Conflict(`Container ${name} is paused, unpause the container before exec`);
  if (c.State.Restarting) throw new Conflict(`Container ${c.Id} is restarting, wait until the container is running`);
}

/** dockerd parses the keys at create, with its own words for exec (and no 4xx class: a 500). */
function detachKeysOf(raw: string): number[] {
  if (!raw) return [];
  try {
    return parseDetachKeys(raw);
  } catch (err) {
    throw new System(`Invalid escape keys (${raw}) provided`, { cause: err });
  }
}

/** An exec's environment as dockerd settles it: the daemon's PATH, HOSTNAME and TERM, the container's, then the exec's own. */
export function execEnv(c: { Id: string; Config: { Hostname?: string; Env?: string[] | null } }, tty: boolean, own: readonly string[] = []): string[] {
  const daemonEnv = [`PATH=${DEFAULT_PATH}`, `HOSTNAME=${c.Config.Hostname || c.Id.slice(0, 12)}`, ...(tty ? ['TERM=xterm'] : [])];
  return processEnv(daemonEnv, c.Config.Env ?? [], own);
}

/**
 * `POST /containers/{id}/exec`: record an exec instance of the running container.
 * Nothing runs yet; user, workdir and environment are settled as dockerd does here
 * (the container's user and workdir when none is given; the daemon's PATH, HOSTNAME
 * and TERM under the container's env, then the exec's).
 */
export const execCreate: Handler<'exec_create'> = async (job, ctx) => {
  const a = job.args;
  const c = containersOf(ctx).get(a.name);
  refuseInactive(c, a.name);
  const run = runtimeOf(ctx).handle(c.Id);
  if (!run) throw new Conflict(`Container ${c.Id} is not running`);
  const detachKeys = detachKeysOf(a.detachKeys);
  sweepExecs(ctx);

  let markStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => { markStarted = resolve; });
  const [entrypoint = '', ...args] = a.cmd;
  const rec: ExecRecord = {
    id: randomBytes(32).toString('hex'),
    containerId: c.Id,
    run,
    entrypoint,
    args,
    tty: a.tty,
    privileged: a.privileged,
    user: a.user || (c.Config.User ?? ''),
    workingDir: a.workingDir || (c.Config.WorkingDir ?? ''),
    env: execEnv(c, a.tty, a.env),
    openStdin: a.attachStdin,
    openStdout: a.attachStdout,
    openStderr: a.attachStderr,
    detachKeys,
    running: false,
    exitCode: null,
    pid: 0,
    started,
    markStarted,
  };
  execsOf(ctx).add(rec);
  publish(ctx, c, `exec_create: ${entrypoint} ${args.join(' ')}`, { execID: rec.id });
  return { Id: rec.id };
};
