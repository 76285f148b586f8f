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

/** The files of one bundle: the shim's own (config, pid, socket, exit) and ours (berth.json). */
export class Bundle {
  constructor(readonly dir: string) {}
  get config(): string { return join(this.dir, 'config.json'); }
  get shimPid(): string { return join(this.dir, 'shim.pid'); }
  get sock(): string { return join(this.dir, 'shim.sock'); }
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
  tty: boolean;
  /** The cgroup parent, so a restarted daemon opens the same group. */
  cgroupParent: string;
}
