/** Where berth-shim is and what a container's bundle directory holds. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The shim built by `npm install` (build/Release/berth-shim). The repo root is five
 * levels above the compiled file (dist/src/drivers/execdriver/native/paths.js) and four
 * above the source; $BERTH_SHIM overrides both (to run against another build).
 */
export function shimBinary(): string {
  if (process.env.BERTH_SHIM) return process.env.BERTH_SHIM;
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '../../../../../build/Release/berth-shim'), join(here, '../../../../build/Release/berth-shim')];
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}

/** A unix socket path holds at most 107 bytes (sun_path is 108 with its NUL). */
const SUN_PATH_MAX = 107;

/**
 * The files of one bundle: the shim's own (config, pid, socket, exit) and ours (berth.json).
 *
 * `<exec-root>/containers/<64 hex>/shim.sock` leaves only 21 bytes for the exec root
 * (dockerd's /var/run/docker fits; a test's /tmp/... does not). When the socket path
 * would be too long, the shim is given a short alias of the bundle instead:
 * `<exec-root>/s/<16 hex>`, a symlink to `../containers/<id>`; the shim names its socket
 * after the path it is given, and we connect through the same alias.
 */
export class Bundle {
  readonly shimDir: string;
  readonly alias: string | null;
  constructor(readonly dir: string, execRoot: string, id: string) {
    const long = Buffer.byteLength(join(dir, 'shim.sock')) > SUN_PATH_MAX;
    this.alias = long ? join(execRoot, 's', id.slice(0, 16)) : null;
    this.shimDir = this.alias ?? dir;
  }
  get config(): string { return join(this.dir, 'config.json'); }
  get shimPid(): string { return join(this.dir, 'shim.pid'); }
  get sock(): string { return join(this.shimDir, 'shim.sock'); }
  get exitFile(): string { return join(this.dir, 'exit.json'); }
  /** What a restarted daemon needs and the shim does not keep: see `BundleRecord`. */
  get record(): string { return join(this.dir, 'berth.json'); }
}

/** Written by the driver after a successful start, read by `restore`. */
export interface BundleRecord {
  id: string;
  pid: number;
  /** The init's start time in clock ticks (/proc/<pid>/stat field 22): tells a reused pid apart. */
  pidStart: number;
  startedAt: string;
  /** berth-shim's pid (also in shim.pid, which the shim removes when it leaves). */
  shimPid: number;
  /** The shim's start time in ticks, like `pidStart`: a reused pid is never signalled. */
  shimStart?: number;
  tty: boolean;
  /** The cgroup parent, so a restarted daemon opens the same group. */
  cgroupParent: string;
}
