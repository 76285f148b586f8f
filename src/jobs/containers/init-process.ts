import { access, constants } from 'node:fs/promises';
import { InvalidParameter } from '../../engine/errors.js';
import { bindMount } from '../../libcontainer/mounts.js';
import type { OciMount } from '../../libcontainer/oci.js';
import type { JobContext } from '../context.js';
import type { ContainerRecord } from './types.js';

/** Where the init appears in the container, as dockerd puts docker-init. */
export const INIT_IN_CONTAINER = '/sbin/docker-init';

/** Static inits that work in any image (no libc needed): Debian's tini-static, a docker-init. */
const CANDIDATES = ['/usr/bin/tini-static', '/usr/libexec/docker/docker-init', '/usr/bin/docker-init', '/usr/local/bin/docker-init', '/usr/sbin/docker-init'];

async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Whether this container runs under an init: its `--init`, else the daemon's `--init`. */
export function wantsInit(ctx: JobContext, c: ContainerRecord): boolean {
  const own = c.HostConfig['Init'];
  return typeof own === 'boolean' ? own : ctx.config.init;
}

/**
 * `--init`: the argv gets the init in front (`/sbin/docker-init -- cmd...`) and the
 * binary is bind-mounted read-only at that path, as dockerd does with docker-init.
 */
export async function withInit(ctx: JobContext, args: string[]): Promise<{ args: string[]; mount: OciMount }> {
  const path = ctx.config.initPath || (await firstExecutable(CANDIDATES));
  if (!path || !(await executable(path))) {
    throw new InvalidParameter(`docker-init binary not found in ${ctx.config.initPath || CANDIDATES.join(', ')}: install tini or set --init-path`);
  }
  return { args: [INIT_IN_CONTAINER, '--', ...args], mount: bindMount({ source: path, destination: INIT_IN_CONTAINER, readOnly: true }) };
}

async function firstExecutable(paths: readonly string[]): Promise<string | undefined> {
  for (const p of paths) if (await executable(p)) return p;
  return undefined;
}
