import type { ContainerRecord } from './types.js';

/** dockerd's restart back-off: 100 ms, doubling per restart, at most a minute. */
const BACKOFF_START_MS = 100;
const BACKOFF_MAX_MS = 60_000;
/** A run this long resets the back-off, as dockerd's restart manager does. */
const BACKOFF_RESET_MS = 10_000;

const backoff = new Map<string, number>();

/** Whether the policy restarts the container after this exit (the caller checks manual stops). */
export function shouldRestart(c: ContainerRecord, exitCode: number): boolean {
  const p = c.HostConfig.RestartPolicy ?? { Name: 'no', MaximumRetryCount: 0 };
  if (c.ManuallyStopped) return false;
  switch (p.Name) {
    case 'always':
    case 'unless-stopped':
      return true;
    case 'on-failure':
      return exitCode !== 0 && (!p.MaximumRetryCount || c.RestartCount < p.MaximumRetryCount);
    default:
      return false;
  }
}

/** The delay before the next restart, given how long the last run lasted. */
export function restartDelay(c: ContainerRecord, ranMs: number): number {
  const prev = ranMs >= BACKOFF_RESET_MS ? 0 : (backoff.get(c.Id) ?? 0);
  const next = prev === 0 ? BACKOFF_START_MS : Math.min(prev * 2, BACKOFF_MAX_MS);
  backoff.set(c.Id, next);
  return next;
}

export function forgetBackoff(id: string): void {
  backoff.delete(id);
}

/** At daemon start: which stopped containers the policy brings back (dockerd's restore rules). */
export function restartsAtBoot(c: ContainerRecord): boolean {
  if (c.HostConfig.RestartPolicy?.Name === 'always') return true;
  return shouldRestart(c, c.State.ExitCode);
}
