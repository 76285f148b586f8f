import { containerCapabilities, hostBoundingCapabilities } from '../../libcontainer/capabilities.js';
import type { OciProcess, OciRlimit } from '../../libcontainer/oci.js';
import { parseSecurityOpts, rlimitValue } from '../../libcontainer/options.js';
import { resolveUser } from '../../libcontainer/user.js';
import type { JobContext } from '../context.js';
import { stringList } from '../containers/spec-input.js';
import type { ContainerRecord } from '../containers/types.js';
import type { ExecRecord } from './registry.js';

/** The container's `--ulimit`s, which its execs share (the process spec dockerd starts from). */
function rlimitsOf(c: ContainerRecord): OciRlimit[] {
  const list = Array.isArray(c.HostConfig['Ulimits']) ? (c.HostConfig['Ulimits'] as { Name: string; Soft: number; Hard: number }[]) : [];
  return list.map((u) => ({ type: `RLIMIT_${u.Name.toUpperCase()}`, hard: rlimitValue(u.Hard), soft: rlimitValue(u.Soft) }));
}

/** What of an exec its process is made from (a health probe gives the same). */
export type ExecProcessInput = Pick<ExecRecord, 'entrypoint' | 'args' | 'tty' | 'privileged' | 'user' | 'workingDir' | 'env'>;

/**
 * The exec's process, as dockerd builds it from the container's own process spec:
 * the user resolved in the container's rootfs (with its --group-add), the
 * container's capabilities (all of them with --privileged), rlimits and
 * no_new_privs; HOME from the user's passwd entry when the env has none, as runc
 * adds it. Throws dockerd's words for a user that does not exist.
 */
export async function execProcess(ctx: JobContext, c: ContainerRecord, rec: ExecProcessInput): Promise<OciProcess> {
  const h = c.HostConfig;
  const driver = ctx.graph.driver;
  // The container runs, so its rootfs is mounted: this only takes a reference.
  const rootfs = await driver.get(c.Id);
  let user;
  try {
    user = await resolveUser(rootfs, rec.user, stringList(h['GroupAdd']));
  } finally {
    await driver.put(c.Id);
  }
  const caps = containerCapabilities({
    privileged: rec.privileged || h['Privileged'] === true,
    capAdd: stringList(h['CapAdd']),
    capDrop: stringList(h['CapDrop']),
    hostCapabilities: await hostBoundingCapabilities(),
  });
  const env = [...rec.env];
  if (!env.some((e) => e.startsWith('HOME='))) env.push(`HOME=${user.home}`);
  const root = user.uid === 0;
  return {
    terminal: rec.tty,
    user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
    args: [rec.entrypoint, ...rec.args],
    env,
    cwd: rec.workingDir || '/',
    // As the container's own process: a non-root user keeps only the bounding set.
    capabilities: { bounding: caps, effective: root ? caps : [], permitted: root ? caps : [], inheritable: [], ambient: [] },
    rlimits: rlimitsOf(c),
    noNewPrivileges: parseSecurityOpts(stringList(h['SecurityOpt'])).noNewPrivileges,
    // An exec'd process gets the container's score too (its spec is the container's process).
    oomScoreAdj: typeof h['OomScoreAdj'] === 'number' ? h['OomScoreAdj'] : 0,
  };
}
