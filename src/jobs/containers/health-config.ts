/**
 * A container's healthcheck as dockerd reads it from `Config.Healthcheck` (the
 * image's, or the container's own from `--health-*`): the probe's command and
 * timings with dockerd's defaults, and the create-time checks in its words.
 */
import { InvalidParameter } from '../../engine/errors.js';
import type { HealthConfig } from '../../graph/archive/healthcheck.js';
import type { ContainerConfig } from '../../graph/types.js';

/** dockerd's defaults (daemon/health.go): 30 s between probes, 30 s to answer, 3 failures. */
const DEFAULT_INTERVAL_MS = 30_000;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_RETRIES = 3;
/** containertypes.MinimumDuration: shorter durations are refused at create. */
const MINIMUM_NS = 1_000_000;

export interface Probe {
  /** The command run in the container: CMD as given, CMD-SHELL through the container's shell. */
  cmd: string[];
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  retries: number;
}

function healthOf(config: ContainerConfig): HealthConfig | undefined {
  const h = config.Healthcheck as HealthConfig | undefined | null;
  return h && typeof h === 'object' ? h : undefined;
}

/** The probe of a container, or null when it has none (no Test, or `NONE`). */
export function probeOf(config: ContainerConfig): Probe | null {
  const h = healthOf(config);
  const test = Array.isArray(h?.Test) ? h.Test : [];
  const [kind, ...rest] = test;
  let cmd: string[];
  if (kind === 'CMD') cmd = rest;
  else if (kind === 'CMD-SHELL') cmd = [...(Array.isArray(config.Shell) && config.Shell.length ? (config.Shell as string[]) : ['/bin/sh', '-c']), rest.join(' ')];
  else return null;
  if (!cmd.length) return null;
  const ms = (ns: number | undefined | null, dflt: number): number => (typeof ns === 'number' && ns > 0 ? ns / 1e6 : dflt);
  return {
    cmd,
    intervalMs: ms(h!.Interval, DEFAULT_INTERVAL_MS),
    timeoutMs: ms(h!.Timeout, DEFAULT_TIMEOUT_MS),
    startPeriodMs: ms(h!.StartPeriod, 0),
    retries: typeof h!.Retries === 'number' && h!.Retries > 0 ? h!.Retries : DEFAULT_RETRIES,
  };
}

/** dockerd's checks of a container's healthcheck at create (400s). */
export function validateHealthcheck(config: ContainerConfig): void {
  const h = healthOf(config);
  if (!h) return;
  // Clients send null for what they leave unset (docker-compose does): Go reads it as zero.
  const check = (ns: number | undefined | null, what: string): void => {
    if (typeof ns === 'number' && ns !== 0 && ns < MINIMUM_NS) throw new InvalidParameter(`${what} in Healthcheck cannot be less than 1ms`);
  };
  check(h.Interval, 'Interval');
  check(h.Timeout, 'Timeout');
  if (typeof h.Retries === 'number' && h.Retries < 0) throw new InvalidParameter('Retries in Healthcheck cannot be negative');
  check(h.StartPeriod, 'StartPeriod');
}
