/**
 * A container run by berth-shim, as the jobs see it. The shim does the process work;
 * the daemon side does the cgroup work (pause, update, stats, top, OOM) and turns the
 * shim's answers into `ExitStatus` even when the shim is no longer there.
 */
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Conflict } from '../../../engine/errors.js';
import type { Logger } from '../../../engine/log.js';
import type { Resources } from '../../../libcontainer/cgroups/resources.js';
import type { CgroupManager, CgroupStats } from '../../../libcontainer/cgroups/types.js';
import type { OciProcess } from '../../../libcontainer/oci.js';
import type { ContainerHandle, ExecHandle, ExitStatus } from '../types.js';
import { ShimClient, ShimRefused, shimGone } from './control.js';
import { execIn } from './exec.js';
import { fromState, readExitFile, unknownExit, type RecordedExit } from './exit.js';
import type { Bundle, BundleRecord } from './paths.js';
import { alive, gone } from './proc.js';

export class NativeContainer implements ContainerHandle {
  readonly id: string;
  readonly pid: number;
  readonly startedAt: string;
  private readonly client: ShimClient;
  private exit?: Promise<ExitStatus>;
  private cleaned?: Promise<void>;

  constructor(
    private readonly rec: BundleRecord,
    private readonly bundle: Bundle,
    private readonly cgroup: CgroupManager,
    private readonly log: Logger,
  ) {
    this.id = rec.id;
    this.pid = rec.pid;
    this.startedAt = rec.startedAt;
    this.client = new ShimClient(bundle.sock);
  }

  private initAlive(): boolean { return alive(this.rec.pid, this.rec.pidStart); }
  private shimAlive(): boolean { return alive(this.rec.shimPid, this.rec.shimStart); }

  async signal(sig: number): Promise<void> {
    try {
      await this.client.request({ op: 'kill', signal: sig });
    } catch (err) {
      if (err instanceof ShimRefused) return; // "container is not running": already exited
      if (!shimGone(err)) throw err;
      // The shim was killed but the init lives on: signal it ourselves.
      if (this.initAlive()) {
        try { process.kill(this.rec.pid, sig); } catch { /* exited meanwhile */ }
      }
    }
  }

  wait(): Promise<ExitStatus> {
    this.exit ??= this.waitExit().then(async (r) => ({ ...r, oomKilled: await this.oomKilled() }));
    return this.exit;
  }

  /** The kernel's OOM record lives in the cgroup: read before `cleanup` removes it. */
  private async oomKilled(): Promise<boolean> {
    try {
      return await this.cgroup.oomKilled();
    } catch {
      return false;
    }
  }

  private async waitExit(): Promise<RecordedExit> {
    for (;;) {
      try {
        return fromState(await this.client.wait());
      } catch (err) {
        if (err instanceof ShimRefused || !shimGone(err)) this.log.warn(`container ${this.id}: waiting on berth-shim: ${(err as Error).message}`);
      }
      // The connection failed or dropped: the shim left (after writing exit.json), or died.
      const recorded = await readExitFile(this.bundle.exitFile).catch(() => null);
      if (recorded) return recorded;
      if (this.shimAlive()) {
        await sleep(100); // still there (busy, or between accept calls): ask again
        continue;
      }
      if (this.initAlive()) {
        await gone(this.rec.pid, 1000, this.rec.pidStart);
        continue;
      }
      return (await readExitFile(this.bundle.exitFile).catch(() => null)) ?? unknownExit();
    }
  }

  async attach(opts: { stdin: boolean; stdout: boolean; stderr: boolean }): Promise<Duplex> {
    try {
      const { stream } = await this.client.stream({ op: 'attach', stdin: opts.stdin, stdout: opts.stdout, stderr: opts.stderr });
      return stream;
    } catch (err) {
      if (shimGone(err)) throw new Conflict('You cannot attach to a stopped container, start it first', { cause: err });
      throw err;
    }
  }

  /** Requests that mean nothing once the container is gone. */
  private async quiet(req: object): Promise<void> {
    try {
      await this.client.request(req);
    } catch (err) {
      if (!shimGone(err) && !(err instanceof ShimRefused)) throw err;
    }
  }

  closeStdin(): Promise<void> { return this.quiet({ op: 'close-stdin' }); }
  resize(width: number, height: number): Promise<void> { return this.quiet({ op: 'resize', width, height }); }
  pause(): Promise<void> { return this.cgroup.freeze(); }
  resume(): Promise<void> { return this.cgroup.thaw(); }
  update(resources: Resources): Promise<void> { return this.cgroup.set(resources); }
  async stats(): Promise<CgroupStats & { pids: number[] }> {
    const [s, pids] = await Promise.all([this.cgroup.stats(), this.cgroup.pids()]);
    return { ...s, pids };
  }
  top(): Promise<number[]> { return this.cgroup.pids(); }

  exec(req: { id: string; process: OciProcess; stdin: boolean; detach: boolean }): Promise<ExecHandle> {
    return execIn(this.client, this.id, req);
  }

  cleanup(): Promise<void> {
    this.cleaned ??= this.doCleanup();
    return this.cleaned;
  }

  private async doCleanup(): Promise<void> {
    // A frozen process cannot die, not even of SIGKILL: thaw a paused container first.
    if (await this.cgroup.frozen().catch(() => false)) await this.cgroup.thaw().catch(() => undefined);
    if (this.initAlive()) await this.signal(9);
    await this.wait();
    await this.quiet({ op: 'release' });
    // The shim leaves right after `release`; one that does not is ours to end.
    if (!(await gone(this.rec.shimPid, 3000, this.rec.shimStart)) && this.shimAlive()) {
      try { process.kill(this.rec.shimPid, 'SIGKILL'); } catch { /* gone */ }
      await gone(this.rec.shimPid, 1000, this.rec.shimStart);
    }
    try {
      await this.cgroup.destroy();
    } catch (err) {
      this.log.warn(`container ${this.id}: removing cgroup ${this.cgroup.path}: ${(err as Error).message}`);
    }
  }
}
