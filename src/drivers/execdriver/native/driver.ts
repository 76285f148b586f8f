/**
 * The `native` execdriver: one berth-shim per running container, bundles under
 * `<exec-root>/containers/<id>`. It starts containers, and after a daemon restart finds
 * them again from what the bundle holds (berth.json, shim.pid/shim.sock, exit.json).
 */
import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { Conflict, isErrno, System } from '../../../engine/errors.js';
import type { Logger } from '../../../engine/log.js';
import { openCgroup } from '../../../libcontainer/cgroups/index.js';
import { CgroupError } from '../../../libcontainer/cgroups/fs.js';
import type { CgroupManager } from '../../../libcontainer/cgroups/types.js';
import { createFailedMessage, StartFailed, type ContainerHandle, type ExecDriver, type NativeDriverOptions, type StartRequest } from '../types.js';
import { ShimClient } from './control.js';
import { NativeContainer } from './handle.js';
import { Bundle, type BundleRecord } from './paths.js';
import { alive, gone, procStat } from './proc.js';
import { launchShim, type Launched } from './start.js';

const ID = /^[A-Za-z0-9_.-]{1,79}$/;

export class NativeDriver implements ExecDriver {
  readonly name = 'native';

  private constructor(private readonly execRoot: string, private readonly root: string, private readonly log: Logger, private readonly cgroupParent: string) {}

  static async create(opts: NativeDriverOptions): Promise<NativeDriver> {
    const root = join(opts.execRoot, 'containers');
    await mkdir(root, { recursive: true, mode: 0o700 });
    return new NativeDriver(opts.execRoot, root, opts.log, opts.cgroupParent ?? 'berth');
  }

  bundleDir(id: string): string {
    if (!ID.test(id)) throw new System(`invalid container id ${JSON.stringify(id)}`);
    return join(this.root, id);
  }

  private bundle(id: string): Bundle {
    return new Bundle(this.bundleDir(id), this.execRoot, id);
  }

  /** The spec names the group (`/<parent>/<id>`, `--cgroup-parent`); else the daemon default. */
  private parentOf(req: StartRequest): string {
    const p = req.spec.linux?.cgroupsPath;
    if (p && posix.basename(p) === req.id) {
      const parent = posix.dirname(p).replace(/^\/+/, '');
      if (parent && parent !== '.') return parent;
    }
    return this.cgroupParent;
  }

  async start(req: StartRequest): Promise<ContainerHandle> {
    const bundle = this.bundle(req.id);
    const cgroupParent = this.parentOf(req);
    await this.retire(req.id);
    await rm(bundle.dir, { recursive: true, force: true }); // a previous run's exit.json must not answer this one
    await mkdir(bundle.dir, { recursive: true, mode: 0o700 });
    await mkdir(dirname(req.logPath), { recursive: true });
    await writeFile(bundle.config, JSON.stringify(req.spec));
    if (bundle.alias) {
      await mkdir(dirname(bundle.alias), { recursive: true, mode: 0o700 });
      await rm(bundle.alias, { force: true });
      await symlink(posix.join('../containers', req.id), bundle.alias);
    }
    const cgroup = await openCgroup({ id: req.id, parent: cgroupParent });
    let launched: Launched | undefined;
    // The group is made while the shim starts: it is needed only once the init exists.
    const cgroupReady = cgroup.create().then(() => cgroup.set(req.resources)).catch((err: unknown) => {
      // A value the kernel refused fails the start as runc's does, in its words and
      // naming the phase runc would have been in (the error's own).
      const words = err instanceof CgroupError ? err.runcWords() : null;
      if (!words) throw err;
      const phase = (err as CgroupError).phase === 'apply' ? 'unable to apply cgroup configuration' : 'error during container init: error setting cgroup config for procHooks process';
      throw new StartFailed(createFailedMessage(`${phase}: ${words}`), 128, { cause: err });
    });
    cgroupReady.catch(() => undefined); // awaited by launchShim, or below on failure
    try {
      launched = await launchShim({ id: req.id, bundle, logPath: req.logPath, ...(req.logRotation ? { logRotation: req.logRotation } : {}), stdin: req.stdin, stdinOnce: req.stdinOnce, cgroup, cgroupReady, ...(req.beforeStart ? { beforeStart: req.beforeStart } : {}), ...(req.attach ? { attach: req.attach } : {}) },
        (l) => { launched = l; });
      const state = await new ShimClient(bundle.sock).state();
      const rec: BundleRecord = {
        id: req.id, pid: launched.pid, pidStart: procStat(launched.pid)?.start ?? 0, startedAt: state.startedAt,
        shimPid: launched.shimPid, shimStart: procStat(launched.shimPid)?.start ?? 0, tty: state.tty, cgroupParent,
      };
      await writeFile(bundle.record, JSON.stringify(rec));
      return new NativeContainer(rec, bundle, cgroup, this.log);
    } catch (err) {
      await cgroupReady.catch(() => undefined); // not removed while still being made
      await this.abandon(req.id, bundle, cgroup, launched);
      throw err;
    }
  }

  /** After a failed start: the shim kills the init and exits; then the group and bundle go. */
  private async abandon(id: string, bundle: Bundle, cgroup: CgroupManager, launched: Launched | undefined): Promise<void> {
    if (launched) {
      for (const pid of [launched.pid, launched.shimPid]) {
        if (!(await gone(pid, 2000))) {
          try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
          await gone(pid, 1000);
        }
      }
    }
    await cgroup.destroy().catch((err: Error) => this.log.warn(`container ${id}: removing cgroup after a failed start: ${err.message}`));
    await this.remove(id);
  }

  /**
   * A restarted container reuses its bundle: the previous run's shim, if it still serves
   * its grace period, is released first. A previous run still running is a caller's bug.
   */
  private async retire(id: string): Promise<void> {
    const rec = await this.recordOf(id);
    if (!rec) return;
    if (alive(rec.pid, rec.pidStart)) throw new Conflict(`container ${id} is already running`);
    await (await this.restore(id))?.cleanup();
  }

  private async recordOf(id: string): Promise<BundleRecord | null> {
    try {
      return JSON.parse(await readFile(this.bundle(id).record, 'utf8')) as BundleRecord;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return null;
      throw err;
    }
  }

  async restore(id: string): Promise<ContainerHandle | null> {
    const bundle = this.bundle(id);
    const rec = await this.recordOf(id);
    if (!rec) return null;
    const cgroup = await openCgroup({ id, parent: rec.cgroupParent });
    const handle = new NativeContainer(rec, bundle, cgroup, this.log);
    // A live shim, or an exit it recorded, or an init that outlived its shim: all of them
    // are a container to report on. The handle's wait() sorts out which.
    let exitRecorded = false;
    try {
      await readFile(bundle.exitFile);
      exitRecorded = true;
    } catch { /* not exited, or never recorded */ }
    if (alive(rec.shimPid, rec.shimStart) || exitRecorded || alive(rec.pid, rec.pidStart)) return handle;
    await cgroup.destroy().catch(() => undefined);
    return null;
  }

  async list(): Promise<string[]> {
    const entries = await readdir(this.root, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && ID.test(e.name)).map((e) => e.name).sort();
  }

  async remove(id: string): Promise<void> {
    const bundle = this.bundle(id);
    if (bundle.alias) await rm(bundle.alias, { force: true });
    await rm(bundle.dir, { recursive: true, force: true });
  }
}
