/**
 * Parsers for the HostConfig strings that reach the daemon unparsed: `SecurityOpt`
 * entries and `--default-ulimit`/`--ulimit` words. Messages are dockerd's.
 */
import { InvalidParameter } from '../engine/errors.js';
import type { SeccompChoice, UlimitSpec } from './spec.js';

export interface SecurityOptions {
  noNewPrivileges: boolean;
  seccomp: SeccompChoice;
  /** `apparmor=` and `label=` values are accepted and kept, though berth applies neither. */
  apparmor?: string;
  labels: string[];
}

const BOOL: Record<string, boolean> = {
  '1': true, t: true, T: true, TRUE: true, true: true, True: true,
  '0': false, f: false, F: false, FALSE: false, false: false, False: false,
};

/** HostConfig.SecurityOpt → typed options (`seccomp=` carries the profile JSON itself). */
export function parseSecurityOpts(opts: readonly string[]): SecurityOptions {
  const out: SecurityOptions = { noNewPrivileges: false, seccomp: { mode: 'default' }, labels: [] };
  for (const opt of opts) {
    if (opt === 'no-new-privileges') {
      out.noNewPrivileges = true;
      continue;
    }
    if (opt === 'disable') {
      out.labels.push('disable');
      continue;
    }
    // `key:value` is the pre-17.04 spelling, still accepted by 20.10.
    const sep = opt.includes('=') ? '=' : opt.includes(':') ? ':' : '';
    if (!sep) throw new InvalidParameter(`invalid --security-opt 1: ${JSON.stringify(opt)}`);
    const key = opt.slice(0, opt.indexOf(sep));
    const value = opt.slice(opt.indexOf(sep) + 1);
    switch (key) {
      case 'label':
        out.labels.push(value);
        break;
      case 'apparmor':
        out.apparmor = value;
        break;
      case 'seccomp':
        out.seccomp = value === 'unconfined' ? { mode: 'unconfined' } : value === '' || value === 'builtin'
          ? { mode: 'default' } : { mode: 'profile', json: value };
        break;
      case 'no-new-privileges': {
        const b = BOOL[value];
        if (b === undefined) throw new InvalidParameter(`invalid --security-opt 2: ${JSON.stringify(opt)}`);
        out.noNewPrivileges = b;
        break;
      }
      default:
        throw new InvalidParameter(`invalid --security-opt 2: ${JSON.stringify(opt)}`);
    }
  }
  return out;
}

/** The names `--ulimit` accepts (RLIMIT_AS is left out, as in Docker). */
export const ULIMIT_NAMES = [
  'core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc',
  'rss', 'rtprio', 'rttime', 'sigpending', 'stack',
] as const;

/**
 * RLIM_INFINITY as the runtime-spec's uint64. JSON numbers lose the low digits at
 * this size; the shim reads any value at or above 2^64-1 as infinity.
 */
export const RLIM_INFINITY = 2 ** 64;

function parseLimit(word: string): number {
  if (!/^-?\d+$/.test(word)) throw new InvalidParameter(`strconv.ParseInt: parsing ${JSON.stringify(word)}: invalid syntax`);
  return Number(word);
}

/** `nofile=1024:2048` → { name, soft, hard }; `-1` stays -1 (see `rlimitValue`). */
export function parseUlimit(val: string): UlimitSpec {
  const eq = val.indexOf('=');
  if (eq < 0) throw new InvalidParameter(`invalid ulimit argument: ${val}`);
  const name = val.slice(0, eq);
  if (!(ULIMIT_NAMES as readonly string[]).includes(name)) throw new InvalidParameter(`invalid ulimit type: ${name}`);
  const values = val.slice(eq + 1).split(':');
  if (values.length > 2) {
    throw new InvalidParameter(`too many limit value arguments - ${val.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``);
  }
  const soft = parseLimit(values[0]!);
  const hard = values.length === 2 ? parseLimit(values[1]!) : soft;
  if (hard !== -1) {
    if (soft === -1) {
      throw new InvalidParameter(`ulimit soft limit must be less than or equal to hard limit: soft: -1 (unlimited), hard: ${hard}`);
    }
    if (soft > hard) throw new InvalidParameter(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  }
  return { name, soft, hard };
}

/** A ulimit value as the OCI rlimit wants it: -1 (unlimited) becomes RLIM_INFINITY. */
export function rlimitValue(v: number): number {
  return v < 0 ? RLIM_INFINITY : v;
}
