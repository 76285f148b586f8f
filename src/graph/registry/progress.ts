import type { Writable } from 'node:stream';
import { progressBar, writeMessage } from '../archive/messages.js';

/** How often a transfer's bar is redrawn; dockerd's progress reader is as frugal. */
const TICK_MS = 100;

/**
 * The JSON message stream of a pull, as dockerd writes it and the CLI draws it:
 * one line per layer (`id` = the first 12 hex digits of its blob digest) whose
 * status moves through `Pulling fs layer`, `Waiting`, `Downloading` (with a bar),
 * `Verifying Checksum`, `Download complete`, `Extracting`, `Pull complete`.
 */
export class PullProgress {
  private readonly last = new Map<string, number>();

  constructor(private readonly out: Writable | null) {}

  status(status: string, id?: string): void {
    writeMessage(this.out, id === undefined ? { status } : { status, progressDetail: {}, id });
  }

  /** A plain line with an id and no bar (`latest: Pulling from library/busybox`). */
  message(id: string, status: string): void {
    writeMessage(this.out, { status, id });
  }

  /** A bar, at most every TICK_MS per id unless `force`. */
  bar(id: string, status: 'Downloading' | 'Extracting', current: number, total: number, force = false): void {
    const now = Date.now();
    if (!force && now - (this.last.get(id) ?? 0) < TICK_MS) return;
    this.last.set(id, now);
    writeMessage(this.out, { status, progressDetail: { current, total }, progress: progressBar(current, total), id });
  }
}

export const shortId = (digest: string): string => digest.slice(digest.indexOf(':') + 1, digest.indexOf(':') + 13);
