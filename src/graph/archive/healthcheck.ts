import { InvalidParameter } from '../../engine/errors.js';
import { execForm } from './changes.js';
import { goParseDuration } from '../../engine/go-duration.js';

/** `Config.Healthcheck` as the Engine API spells it (durations in nanoseconds). */
export interface HealthConfig {
  Test: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

/** A Go duration (`30s`, `1m30s`, `500ms`) in nanoseconds; InvalidParameter in Go's words when malformed. */
export function parseDuration(s: string): number {
  try {
    return goParseDuration(s);
  } catch (err) {
    throw new InvalidParameter((err as Error).message);
  }
}

/**
 * `HEALTHCHECK NONE` or `HEALTHCHECK [--interval=…] [--timeout=…] [--start-period=…]
 * [--retries=…] CMD …`, as the Dockerfile instruction sets it.
 */
export function parseHealthcheck(rest: string): HealthConfig {
  let line = rest.trim();
  const opts: Record<string, string> = {};
  for (let m = /^--([a-z-]+)=(\S*)\s*/.exec(line); m; m = /^--([a-z-]+)=(\S*)\s*/.exec(line)) {
    opts[m[1]!] = m[2]!;
    line = line.slice(m[0].length);
  }
  const kind = /^(\S+)\s*([\s\S]*)$/.exec(line);
  const word = kind?.[1]?.toUpperCase();
  if (word === 'NONE') {
    if (kind![2] || Object.keys(opts).length) throw new InvalidParameter('HEALTHCHECK NONE takes no arguments');
    return { Test: ['NONE'] };
  }
  if (word !== 'CMD') throw new InvalidParameter(`Unknown type "${kind?.[1] ?? ''}" in HEALTHCHECK (try CMD)`);
  const cmd = kind![2]!;
  if (cmd === '') throw new InvalidParameter('Missing command after HEALTHCHECK CMD');
  const exec = execForm(cmd);
  const hc: HealthConfig = { Test: exec ? ['CMD', ...exec] : ['CMD-SHELL', cmd] };
  for (const [k, v] of Object.entries(opts)) {
    if (k === 'interval') hc.Interval = parseDuration(v);
    else if (k === 'timeout') hc.Timeout = parseDuration(v);
    else if (k === 'start-period') hc.StartPeriod = parseDuration(v);
    else if (k === 'retries') {
      if (!/^\d+$/.test(v)) throw new InvalidParameter(`invalid retries value ${JSON.stringify(v)}`);
      hc.Retries = Number(v);
    } else throw new InvalidParameter(`Unknown flag: ${k}`);
  }
  return hc;
}
