import { constants } from 'node:os';
import { InvalidParameter } from '../../engine/errors.js';

const BY_NAME = constants.signals as Record<string, number>;

/** `TERM`, `SIGTERM`, `15`, `sigterm` → 15, as dockerd's signal.ParseSignal; dockerd's words otherwise. */
export function parseSignal(raw: string): number {
  const n = Number(raw);
  if (raw !== '' && Number.isInteger(n)) {
    if (n <= 0 || n > 64) throw new InvalidParameter(`Invalid signal: ${raw}`);
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
    return parseSignal(stopSignal);
  } catch {
    return BY_NAME['SIGTERM']!;
  }
}
