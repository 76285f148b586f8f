import { InvalidParameter } from '../../engine/errors.js';

/** ctrl-p, ctrl-q: dockerd's default detach sequence. */
export const DEFAULT_DETACH_KEYS = [16, 17];

/**
 * `--detach-keys` as dockerd reads it: comma-separated keys, each a single character
 * or `ctrl-<c>` with c in a-z, @, [, \, ], ^, _.
 */
export function parseDetachKeys(raw: string | undefined): number[] {
  if (!raw) return DEFAULT_DETACH_KEYS;
  const out: number[] = [];
  for (const key of raw.split(',')) {
    // Go's len: bytes, so a letter outside ASCII is no single key.
    if (Buffer.byteLength(key) === 1) {
      out.push(key.charCodeAt(0));
      continue;
    }
    const m = /^ctrl-(.)$/.exec(key);
    const c = m?.[1];
    if (c === undefined) throw new InvalidParameter(`Invalid detach keys (${raw}) provided`);
    if (c >= 'a' && c <= 'z') out.push(c.charCodeAt(0) - 96);
    else if ('@[\\]^_'.includes(c)) out.push(c.charCodeAt(0) - 64);
    else throw new InvalidParameter(`Invalid detach keys (${raw}) provided`);
  }
  return out;
}

/**
 * Watches the client's stdin for the detach sequence: bytes pass through, except
 * that a partial match is held back until it either completes (then `feed` reports
 * the detach and the held bytes are dropped) or breaks (then they are released).
 */
export class DetachWatcher {
  private matched = 0;

  constructor(private readonly keys: number[]) {}

  /** The bytes to forward, and whether the sequence completed within this chunk. */
  feed(chunk: Buffer): { forward: Buffer; detach: boolean } {
    if (this.keys.length === 0) return { forward: chunk, detach: false };
    const out: number[] = [];
    for (const b of chunk) {
      if (b === this.keys[this.matched]) {
        this.matched += 1;
        if (this.matched === this.keys.length) return { forward: Buffer.from(out), detach: true };
        continue;
      }
      if (this.matched > 0) {
        out.push(...this.keys.slice(0, this.matched));
        this.matched = 0;
      }
      if (b === this.keys[0]) this.matched = 1;
      else out.push(b);
    }
    return { forward: Buffer.from(out), detach: false };
  }
}
