import { constants } from 'node:os';
import { InvalidParameter } from '../../engine/errors.js';

const BY_NAME = constants.signals as Record<string, number>;

/** `TERM`, `SIGTERM`, `15`, `sigterm` → 15, as dockerd's signal.ParseSignal; dockerd's words otherwise. */
export function parseSignal(raw: string): number {
  // Any integer Go's Atoi takes but 0; kill checks it against the platform's signals.
  if (/^[+-]?\d+$/.test(raw)) {
    const n = Number(raw);
    if (n === 0) throw new InvalidParameter(`Invalid signal: ${raw}`);
    return n;
  }
  const name = raw.toUpperCase().replace(/^SIG/, '');
  const found = BY_NAME[`SIG${name}`];
  if (found === undefined) throw new InvalidParameter(`Invalid signal: ${raw}`);
  return found;
}

/** The container's stop signal: its StopSignal (name or number), SIGTERM otherwise. */
export function stopSignalOf(stopSignal: string | undefined): number {
  if (!stopSignal) return BY_NAME['SIGTERM']!;
  try {
    const n = parseSignal(stopSignal);
    return validSignal(n) ? n : BY_NAME['SIGTERM']!;
  } catch {
    return BY_NAME['SIGTERM']!;
  }
}

/** dockerd's ValidSignalForPlatform on Linux: 1-31 and the real-time 34-64 (32 and 33 are glibc's). */
export function validSignal(n: number): boolean {
  return (n >= 1 && n <= 31) || (n >= 34 && n <= 64);
}
