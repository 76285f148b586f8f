import type { Writable } from 'node:stream';

/**
 * The JSON message stream dockerd answers load and import with (its
 * streamformatter): one JSON object per line, `\r\n`-terminated, which the CLI
 * renders as text lines and progress bars.
 */
export interface JsonMessage {
  status?: string;
  stream?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  progress?: string;
}

export function writeMessage(out: Writable | null, msg: JsonMessage): void {
  if (out && !out.destroyed) out.write(`${JSON.stringify(msg)}\r\n`);
}

/** A progress bar as dockerd draws it: `[=====>     ]  1.2MB/2.4MB`. */
export function progressBar(current: number, total: number): string {
  const width = 50;
  const filled = total > 0 ? Math.min(width, Math.floor((current / total) * width)) : 0;
  const bar = '='.repeat(Math.max(0, filled - 1)) + (filled > 0 ? (filled === width ? '=' : '>') : '') + ' '.repeat(width - filled);
  return `[${bar}] ${humanSize(current)}/${humanSize(total)}`;
}

/** Decimal units with 3 significant digits, as go-units' HumanSize. */
export function humanSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${Number(v.toPrecision(3))}${units[i]}`;
}
