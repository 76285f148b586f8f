/** The exit status as the shim records it (`exit.json`, README §5) or reports it (`wait`). */
import { readFile } from 'node:fs/promises';
import { isErrno } from '../../../engine/errors.js';
import type { ShimState } from './control.js';

/** The exit status without `oomKilled`, which only the cgroup knows. */
export interface RecordedExit { exitCode: number; signal: number | null; finishedAt: string }

/** exit.json, or null while there is none (still running, or the shim died without one). */
export async function readExitFile(path: string): Promise<RecordedExit | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    throw err;
  }
  const v = JSON.parse(text) as Partial<RecordedExit>;
  if (typeof v.exitCode !== 'number') return null;
  return { exitCode: v.exitCode, signal: typeof v.signal === 'number' ? v.signal : null, finishedAt: String(v.finishedAt ?? new Date().toISOString()) };
}

export function fromState(st: ShimState): RecordedExit {
  return { exitCode: st.exitCode ?? 255, signal: st.signal, finishedAt: st.finishedAt ?? new Date().toISOString() };
}

/**
 * When the init is gone and nobody recorded how it ended (the shim was killed first),
 * dockerd reports exit code 255 for a container whose runtime lost track of it.
 */
export function unknownExit(): RecordedExit {
  return { exitCode: 255, signal: null, finishedAt: new Date().toISOString() };
}
