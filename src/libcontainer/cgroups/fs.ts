/** Small readers and writers for cgroup control files, shared by both drivers. */
import { readFile, rmdir, writeFile } from 'node:fs/promises';
import { getSystemErrorMap } from 'node:util';
import { System, isErrno } from '../../engine/errors.js';

export async function readText(path: string): Promise<string> {
  return (await readFile(path, 'utf8')).trim();
}

/** The file's content, or undefined when the kernel does not provide it. */
export async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readText(path);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}

/** A number; `max` (v2) and absurd v1 "unlimited" values come back as undefined. */
export async function readNumber(path: string): Promise<number | undefined> {
  const t = await readOptional(path);
  if (t === undefined || t === 'max' || t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) && n < 2 ** 62 ? n : undefined;
}

/** `key value` lines (memory.stat, cpu.stat, memory.events, cpuacct.stat) as a record. */
export function parseKeyValues(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^-?\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

/**
 * When runc would have met the error: `apply` while it makes the group (it writes the
 * real-time budget there), `set` when it sets the limits after. The start's message
 * names the phase as runc's does.
 */
export type CgroupPhase = 'apply' | 'set';

/** A limit the kernel did not take; `runcWords` says it as runc does (null: no words for it). */
export abstract class CgroupError extends System {
  phase: CgroupPhase = 'set';
  abstract runcWords(): string | null;
}

/** A value the kernel took but changed (clamped), as runc's read-back check words it. */
export class CgroupRangeError extends CgroupError {
  runcWords(): string {
    return this.message;
  }
}

/** A control file that refused a value: which file and value, for callers that word it as runc. */
export class CgroupWriteError extends CgroupError {
  constructor(readonly file: string, readonly value: string, cause: unknown) {
    super(`failed to write ${JSON.stringify(value)} to ${file}: ${(cause as Error).message}`, { cause });
  }

  /** runc's words for it (`failed to write "V": write PATH: invalid argument`, Go's errno text); null without an errno. */
  runcWords(): string | null {
    const errno = (this.cause as { errno?: number } | undefined)?.errno;
    const text = errno === undefined ? undefined : getSystemErrorMap().get(errno)?.[1];
    return text ? `failed to write ${JSON.stringify(this.value)}: write ${this.file}: ${text.toLowerCase()}` : null;
  }
}

/** Writes one value to a control file; a refusal names the file, as dockerd's errors do. */
export async function writeValue(path: string, value: string | number, phase: CgroupPhase = 'set'): Promise<void> {
  try {
    await writeFile(path, String(value));
  } catch (err) {
    const e = new CgroupWriteError(path, String(value), err);
    e.phase = phase;
    throw e;
  }
}

export function parsePids(text: string): number[] {
  return text.split('\n').filter((l) => l.trim() !== '').map(Number);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Removes a cgroup directory. The kernel refuses (EBUSY) while a task is still leaving;
 * retry for about a second before giving up. A missing directory is fine.
 */
export async function removeGroupDir(dir: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rmdir(dir);
      return;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return;
      if (!isErrno(err, 'EBUSY') || attempt >= 20) {
        throw new System(`failed to remove cgroup ${dir}: ${(err as Error).message}`, { cause: err });
      }
      await sleep(50);
    }
  }
}

/** Polls `check` every 10 ms up to `ms`; true when it held. */
export async function waitFor(check: () => Promise<boolean>, ms: number, step?: () => Promise<void>): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    if (step) await step();
    await sleep(10);
  }
}
