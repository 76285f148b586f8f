import type { LogOutput } from './logs-output.js';
import { decodeRecord, formatRecord, type RecordFormat } from './logs-record.js';
import { fixedTime, recordTimeNs } from './logs-time.js';

/**
 * Turns a run of json-file lines into output without decoding them to text. The
 * lines come as a latin1 string: one char per byte, so slicing and joining keep the
 * file's UTF-8 bytes exactly as they are, and the output goes back to bytes with a
 * copy. The shim's own layout, `{"log":"…","stream":"stdout","time":"…"}` with no
 * escape in the text but its trailing `\n`, is most lines of any log and is cut
 * here with a few searches per line; every other line (escapes, attrs, another
 * writer's key order, a fragment) goes through the general decoder as real text.
 * The shim writes valid UTF-8 only (it escapes bad bytes as \ufffd), so passing
 * the bytes through is what decoding them would give.
 */
export class RecordScanner {
  /** Where the next backslash of the current string is (s.length when none): found once, not per line. */
  private backslash = -1;
  private readonly timed: boolean;
  private readonly needsTime: boolean;

  constructor(private readonly f: RecordFormat, private readonly out: LogOutput) {
    this.timed = f.sinceNs !== null || f.untilNs !== null;
    this.needsTime = this.timed || f.timestamps;
  }

  /**
   * Feeds complete lines (each ending in "\n"). False once a record after `until`
   * was met: the output must end there.
   */
  scan(s: string): boolean {
    this.backslash = -1;
    let pos = 0;
    const len = s.length;
    while (pos < len) {
      let end = s.indexOf('\n', pos);
      if (end < 0) end = len;
      const v = this.fast(s, pos, end);
      if (v === STOP) return false;
      if (v === SLOW && !this.slow(s.slice(pos, end))) return false;
      pos = end + 1;
    }
    return true;
  }

  /** The shim's layout, cut in place; SLOW for any line that is not plainly it. */
  private fast(s: string, pos: number, end: number): number {
    if (!s.startsWith(LOG_KEY, pos)) return SLOW;
    const body = pos + LOG_KEY.length;
    const quote = s.indexOf('"', body);
    if (quote < 0 || quote >= end) return SLOW;
    if (this.backslash < body) {
      const b = s.indexOf('\\', body);
      this.backslash = b < 0 ? s.length : b;
    }
    let text: string;
    if (this.backslash > quote) text = s.slice(body, quote);
    // Only the trailing newline is escaped (and that backslash is the body's first, so it is no `\\`).
    else if (this.backslash === quote - 2 && s.charCodeAt(quote - 1) === N_CHAR) text = s.slice(body, quote - 2) + '\n';
    else return SLOW;
    const stream = s.startsWith(STDOUT_KEYS, quote) ? STDOUT : s.startsWith(STDERR_KEYS, quote) ? STDERR : 0;
    if (stream === 0 || s.charCodeAt(end - 1) !== CLOSE_BRACE || s.charCodeAt(end - 2) !== QUOTE) return SLOW;
    const f = this.f;
    if (this.needsTime) {
      const timeStart = quote + STDOUT_KEYS.length;
      // Only here does it matter whether the time is all of the rest (another writer's
      // key after it would be part of it): the text is the same either way.
      if (s.indexOf('"', timeStart) !== end - 2) return SLOW;
      const time = s.slice(timeStart, end - 2);
      if (this.timed) {
        const t = recordTimeNs(time);
        if (t !== null) {
          if (f.sinceNs !== null && t < f.sinceNs) return DONE;
          if (f.untilNs !== null && t > f.untilNs) return STOP;
        }
      }
      if (stream === STDOUT ? !f.stdout : !f.stderr) return DONE;
      if (f.details) text = `${f.attrs ?? ''} ${text}`;
      if (f.timestamps) text = `${fixedTime(time)} ${text}`;
    } else {
      if (stream === STDOUT ? !f.stdout : !f.stderr) return DONE;
      // The shim's records carry no attrs: `details` adds the container's.
      if (f.details) text = `${f.attrs ?? ''} ${text}`;
    }
    this.out.push(stream, text);
    return DONE;
  }

  /** Any other line, decoded as the UTF-8 text it is. False at a record after `until`. */
  private slow(line: string): boolean {
    const r = decodeRecord(Buffer.from(line, 'latin1').toString('utf8'));
    // A line that is no record (a writer killed mid-record) is passed over, not fatal.
    if (!r) return true;
    const v = formatRecord(r, this.f);
    if (v === 'skip') return true;
    if (v === 'stop') return false;
    this.out.push(v.stream, Buffer.from(v.text, 'utf8').toString('latin1'));
    return true;
  }
}

const LOG_KEY = '{"log":"';
/** What follows the log text up to the time, for each stream. */
const STDOUT_KEYS = '","stream":"stdout","time":"';
const STDERR_KEYS = '","stream":"stderr","time":"';
const N_CHAR = 0x6e;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const STDOUT = 1;
const STDERR = 2;
/** fast()'s outcomes besides a stream number: handled (written or skipped), past `until`, not the shim's layout. */
const DONE = 0;
const STOP = -1;
const SLOW = -2;
