import type { ContainerState, ContainerStatus } from './types.js';

import { ZERO_TIME } from '../../graph/go-config.js';

/** Go's zero time, which dockerd prints for StartedAt/FinishedAt never set. */
export { ZERO_TIME };

/**
 * The allowed transitions of dockerd's state machine. Jobs check the current
 * status against the caller-facing errors first (304, 409 with dockerd's words);
 * this table guards the record itself against a transition no job should make.
 */
const ALLOWED: Record<ContainerStatus, readonly ContainerStatus[]> = {
  created: ['running', 'removing', 'dead'],
  running: ['paused', 'exited', 'restarting', 'dead'],
  paused: ['running', 'exited', 'dead'],
  restarting: ['running', 'exited', 'removing', 'dead'],
  exited: ['running', 'restarting', 'removing', 'dead'],
  removing: ['exited', 'created', 'dead'],
  dead: ['removing'],
};

export function canTransition(from: ContainerStatus, to: ContainerStatus): boolean {
  return ALLOWED[from].includes(to);
}

export function initialState(): ContainerState {
  return {
    Status: 'created', Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: false,
    Pid: 0, ExitCode: 0, Error: '', StartedAt: ZERO_TIME, FinishedAt: ZERO_TIME,
  };
}

/** Go's time.Duration humanised as docker/go-units' HumanDuration, for `Up 3 seconds`. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

/** The `Status` column of `docker ps`, as dockerd's State.String(). */
export function statusText(s: ContainerState, now = Date.now()): string {
  const since = (t: string) => humanDuration(Math.max(0, now - Date.parse(t)));
  switch (s.Status) {
    case 'running': return s.Health ? `Up ${since(s.StartedAt)} (${s.Health.Status === 'starting' ? 'health: starting' : s.Health.Status})` : `Up ${since(s.StartedAt)}`;
    case 'paused': return `Up ${since(s.StartedAt)} (Paused)`;
    case 'restarting': return `Restarting (${s.ExitCode}) ${since(s.FinishedAt)} ago`;
    case 'removing': return 'Removal In Progress';
    case 'dead': return 'Dead';
    case 'created': return 'Created';
    case 'exited':
      return s.FinishedAt === ZERO_TIME ? `Exited (${s.ExitCode})` : `Exited (${s.ExitCode}) ${since(s.FinishedAt)} ago`;
  }
}
