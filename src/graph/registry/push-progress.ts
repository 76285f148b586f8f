import type { Writable } from 'node:stream';
import { progressBar, writeMessage, type JsonMessage } from '../archive/messages.js';

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
    writeMessage(this.out, { status: 'Pushing', progressDetail: { current, total }, progress: progressBar(current, total), id });
  }

  /** `{"progressDetail":{},"aux":{"Tag":...,"Digest":...,"Size":...}}` after each tag. */
  result(tag: string, digest: string, size: number): void {
    writeMessage(this.out, { progressDetail: {}, aux: { Tag: tag, Digest: digest, Size: size } } as JsonMessage);
  }
}

/** A layer's id in the stream: `sha256:0123456789abcdef…` → `0123456789ab`. */
export const layerId = (diffId: string): string => diffId.slice(diffId.indexOf(':') + 1, diffId.indexOf(':') + 13);
