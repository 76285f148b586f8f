import type { Writable } from 'node:stream';
import { writeMessage, type JsonMessage } from '../archive/messages.js';

/** How often a layer's bar is redrawn. */
const TICK_MS = 100;

/**
 * The JSON message stream of a push as dockerd writes it: one line per layer (`id` =
 * the first 12 hex digits of its diffID) moving through `Preparing`, `Waiting`,
 * `Pushing` (a bar over the layer's uncompressed size), then `Pushed`, `Layer
 * already exists` or `Mounted from <repo>`; plain lines without id
 * (`The push refers to repository [...]`, `latest: digest: ... size: N`) and the
 * aux message the CLI's trust code reads.
 */
export class PushProgress {
  private readonly last = new Map<string, number>();

  constructor(private readonly out: Writable | null) {}

  /** A plain status line (dockerd's progress.Message with no id). */
  message(status: string): void {
    writeMessage(this.out, { status });
  }

  /** A layer's state (dockerd's progress.Update: an empty progressDetail comes with it). */
  update(id: string, status: string): void {
    writeMessage(this.out, { status, progressDetail: {}, id });
  }

  /** The `Pushing` bar, at most every TICK_MS per layer unless `force`. */
  pushing(id: string, current: number, total: number, force = false): void {
    const now = Date.now();
    if (!force && now - (this.last.get(id) ?? 0) < TICK_MS) return;
    this.last.set(id, now);
    writeMessage(this.out, { status: 'Pushing', progressDetail: { current, total }, progress: jsonProgress(current, total), id });
  }

  /** `{"progressDetail":{},"aux":{"Tag":...,"Digest":...,"Size":...}}` after each tag. */
  result(tag: string, digest: string, size: number): void {
    writeMessage(this.out, { progressDetail: {}, aux: { Tag: tag, Digest: digest, Size: size } } as JsonMessage);
  }
}

/** A layer's id in the stream: `sha256:0123456789abcdef…` → `0123456789ab`. */
export const layerId = (diffId: string): string => diffId.slice(diffId.indexOf(':') + 1, diffId.indexOf(':') + 13);

/** go-units' HumanSize: decimal units, four significant digits (`33.79kB`, `1.982MB`). */
function humanSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${Number(v.toPrecision(4))}${units[i]}`;
}

/**
 * The `progress` text as dockerd's JSONProgress.String renders it for a daemon (no
 * terminal: the bar is always drawn): `[====>     ]  1.2MB/2.4MB`; the total is left
 * out once the count passes it (a layer's tar is larger than its content size).
 */
export function jsonProgress(current: number, total: number): string {
  if (total <= 0) return humanSize(current).padStart(8);
  const pct = Math.min(50, Math.trunc(Math.trunc((current / total) * 100) / 2));
  const bar = `[${'='.repeat(pct)}>${' '.repeat(Math.max(0, 50 - pct))}] `;
  const numbers = current > total ? humanSize(current).padStart(8) : `${humanSize(current).padStart(8)}/${humanSize(total)}`;
  return bar + numbers;
}
