/**
 * The daemon's exec instances, in memory as dockerd keeps them: an exec belongs to one
 * run of its container and goes with it. A record is dropped when its container stops,
 * restarts or is removed (found out on the next look-up, by comparing the container's
 * live handle with the one the exec was made in), and a finished one also after
 * dockerd's clean-up delay, so that the map never outgrows the execs still of use.
 */
import { Conflict, NotFound } from '../../engine/errors.js';
import type { ContainerHandle, ExecHandle } from '../../drivers/execdriver/types.js';
import type { JobContext } from '../context.js';
import { containersOf } from '../containers/common.js';
import type { ContainerRecord } from '../containers/types.js';

/** dockerd's exec GC runs every 5 minutes and drops a finished exec on its second pass. */
const FINISHED_KEPT_MS = 10 * 60_000;

export interface ExecRecord {
  readonly id: string;
  readonly containerId: string;
  /** The container's run this exec was created in. */
  readonly run: ContainerHandle;
  readonly entrypoint: string;
  readonly args: string[];
  readonly tty: boolean;
  readonly privileged: boolean;
  /** The exec's user, or the container's when none was given ('' for root). */
  readonly user: string;
  readonly workingDir: string;
  readonly env: string[];
  readonly openStdin: boolean;
  readonly openStdout: boolean;
  readonly openStderr: boolean;
  /** Parsed detach keys; empty for the default. */
  readonly detachKeys: number[];
  /** True from `start` until the exit (dockerd sets it before the process runs). */
  running: boolean;
  exitCode: number | null;
  pid: number;
  finishedMs?: number;
  /** The driver's handle once the process runs. */
  handle?: ExecHandle;
  /** Resolves once the process ran (or could not): resize waits for it. */
  readonly started: Promise<void>;
  markStarted: () => void;
  /** Resolves once the exit is recorded. */
  done?: Promise<void>;
  /** The attached client's stream ended with the process: its exit is being recorded (inspect waits). */
  streamEnded?: boolean;
}

export class ExecStore {
  private readonly byId = new Map<string, ExecRecord>();

  add(rec: ExecRecord): void {
    this.byId.set(rec.id, rec);
  }

  find(id: string): ExecRecord | undefined {
    return this.byId.get(id);
  }

  delete(id: string): void {
    this.byId.delete(id);
  }

  all(): ExecRecord[] {
    return [...this.byId.values()];
  }
}

const stores = new WeakMap<JobContext, ExecStore>();

/** The execs of this daemon (one store per job context). */
export function execsOf(ctx: JobContext): ExecStore {
  let s = stores.get(ctx);
  if (!s) {
    s = new ExecStore();
    stores.set(ctx, s);
  }
  return s;
}

/** The exec's container, when the run it was made in is still the container's current one. */
function liveContainer(ctx: JobContext, rec: ExecRecord): ContainerRecord | undefined {
  const c = containersOf(ctx).find(rec.containerId);
  if (!c || ctx.runtime?.handle(c.Id) !== rec.run) return undefined;
  return c;
}

/** Drop the execs whose container run is over, and finished ones past dockerd's delay. */
export function sweepExecs(ctx: JobContext, now = Date.now()): void {
  const store = execsOf(ctx);
  for (const rec of store.all()) {
    const expired = rec.finishedMs !== undefined && now - rec.finishedMs > FINISHED_KEPT_MS;
    if (expired || !liveContainer(ctx, rec)) store.delete(rec.id);
  }
}

/**
 * `ExecIDs` of container inspect: the container's execs not yet ended (created, or
 * running), oldest first, null when there are none. dockerd drops an exec from the
 * container's list when it exits or fails to start, and keeps it for exec inspect.
 */
export function containerExecIds(ctx: JobContext, containerId: string): string[] | null {
  const ids = execsOf(ctx).all()
    .filter((rec) => rec.containerId === containerId && rec.exitCode === null && liveContainer(ctx, rec))
    .map((rec) => rec.id);
  return ids.length ? ids : null;
}

function notFound(id: string): NotFound {
  return new NotFound(`No such exec instance: ${id}`);
}

/** An exec for inspect: 404 once its container's run is over. */
export function findExec(ctx: JobContext, id: string): { rec: ExecRecord; c: ContainerRecord } {
  const store = execsOf(ctx);
  const rec = store.find(id);
  const c = rec && liveContainer(ctx, rec);
  if (!rec || !c) {
    if (rec) store.delete(id);
    throw notFound(id);
  }
  return { rec, c };
}

/** An exec to start or resize: dockerd's getExecConfig also refuses a paused container. */
export function activeExec(ctx: JobContext, id: string): { rec: ExecRecord; c: ContainerRecord } {
  const found = findExec(ctx, id);
  if (found.c.State.Paused) throw new Conflict(`Container ${found.c.Id} is paused, unpause the container before exec`);
  if (found.c.State.Restarting) throw new Conflict(`Container ${found.c.Id} is restarting, wait until the container is running`);
  return found;
}
