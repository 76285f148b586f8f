/**
 * The health monitor of a running container with a healthcheck, as dockerd's
 * daemon/health.go runs it: a probe every interval (the first one interval after
 * the start), the last five results kept in `State.Health.Log`, `healthy` at the
 * first success, `unhealthy` once `retries` failures follow one another (failures
 * inside the start period do not count while the container is still `starting`),
 * a `health_status: <status>` event at each change. It ends with the run; dockerd
 * then leaves the status `unhealthy`, and so does berth.
 */
import type { ContainerHandle } from '../../drivers/execdriver/types.js';
import type { JobContext } from '../context.js';
import { containersOf, publish } from './common.js';
import { probeOf, type Probe } from './health-config.js';
import { runProbe } from './health-probe.js';
import type { ContainerRecord, HealthLogEntry } from './types.js';

/** daemon/health.go maxLogEntries. */
const KEPT_RESULTS = 5;

function record(ctx: JobContext, c: ContainerRecord, probe: Probe, entry: HealthLogEntry): void {
  const h = c.State.Health ?? { Status: 'starting', FailingStreak: 0, Log: [] };
  const before = h.Status;
  h.Log = [...h.Log, entry].slice(-KEPT_RESULTS);
  if (entry.ExitCode === 0) {
    h.FailingStreak = 0;
    h.Status = 'healthy';
  } else {
    const inStartPeriod = h.Status === 'starting' && Date.parse(entry.Start) - Date.parse(c.State.StartedAt) < probe.startPeriodMs;
    if (!inStartPeriod) {
      h.FailingStreak += 1;
      if (h.FailingStreak >= probe.retries) h.Status = 'unhealthy';
    }
  }
  c.State.Health = h;
  containersOf(ctx).save(c);
  if (h.Status !== before) publish(ctx, c, `health_status: ${h.Status}`);
}

/**
 * Starts probing the container run `handle` if its config has a healthcheck. A new
 * run starts `starting`; a run found again after a daemon restart keeps its status.
 */
export function monitorHealth(ctx: JobContext, id: string, handle: ContainerHandle, restored: boolean): void {
  const store = containersOf(ctx);
  const c = store.find(id);
  const probe = c ? probeOf(c.Config) : null;
  if (!c || !probe) return;
  if (!restored || !c.State.Health) {
    c.State.Health = { Status: 'starting', FailingStreak: 0, Log: c.State.Health?.Log ?? [] };
    store.save(c);
  }
  let over = false;
  let timer: NodeJS.Timeout | undefined;
  /** The record while this run is still the container's current one. */
  const current = (): ContainerRecord | undefined => {
    const now = store.find(id);
    return !over && now && ctx.runtime?.handle(id) === handle ? now : undefined;
  };
  const tick = async (): Promise<void> => {
    const now = current();
    if (!now) return;
    const entry: HealthLogEntry = now.State.Paused
      ? { Start: new Date().toISOString(), End: new Date().toISOString(), ExitCode: -1, Output: `Container ${id} is paused, unpause the container before exec` }
      : await runProbe(ctx, now, handle, probe);
    const after = current();
    if (!after) return;
    record(ctx, after, probe, entry);
    timer = setTimeout(() => void tick(), probe.intervalMs);
  };
  timer = setTimeout(() => void tick(), probe.intervalMs);
  void handle.wait().catch(() => undefined).then(() => {
    over = true;
    clearTimeout(timer);
    const now = store.find(id);
    if (now?.State.Health) {
      now.State.Health.Status = 'unhealthy';
      store.save(now);
    }
  });
}
