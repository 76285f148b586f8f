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

/**
 * The `progress` text as dockerd's JSONProgress.String renders it in a daemon (no
 * terminal, so the bar is always drawn, 51 wide with its `>`): `[====>      ]  1.2MB/2.4MB`,
 * the count padded to 8; the total is left out once the count passes it.
 */
export function progressBar(current: number, total: number): string {
  if (total <= 0) return humanSize(current).padStart(8);
  const pct = Math.min(50, Math.trunc(Math.trunc((current / total) * 100) / 2));
  const bar = `[${'='.repeat(pct)}>${' '.repeat(50 - pct)}] `;
  return bar + (current > total ? humanSize(current).padStart(8) : `${humanSize(current).padStart(8)}/${humanSize(total)}`);
}

/** go-units' HumanSize: decimal units, four significant digits (`36.45kB`, `1.098MB`). */
export function humanSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${Number(v.toPrecision(4))}${units[i]}`;
}
