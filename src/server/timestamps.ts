import { InvalidParameter } from '../engine/errors.js';
import { goParseDuration } from '../engine/go-duration.js';

/**
 * A `since`/`until` query value as unix nanoseconds; null when absent.
 *
 * The CLI converts what the user typed and sends `seconds.nanoseconds`
 * (`1700000000.000000000`), which dockerd parses with the fraction scaled to its
 * digits (`.5` is half a second). Other clients send what a user would type, so an
 * RFC 3339 time or a Go duration (`10m`, meaning that long ago) are accepted too.
 */
export function parseEventTime(value: string | undefined, nowNs: bigint = BigInt(Date.now()) * 1_000_000n): bigint | null {
  if (value === undefined || value === '') return null;
  const unix = /^(-?\d+)(?:\.(\d{1,9}))?$/.exec(value);
  if (unix) {
    const frac = unix[2] ?? '';
    return BigInt(unix[1]!) * 1_000_000_000n + (frac ? BigInt(frac.padEnd(9, '0')) : 0n);
  }
  const duration = parseGoDuration(value);
  if (duration !== null) return nowNs - duration;
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) {
      const nanos = /\.(\d{1,9})/.exec(value)?.[1] ?? '';
      const subMs = nanos.length > 3 ? BigInt(nanos.padEnd(9, '0').slice(3)) : 0n;
      return BigInt(ms) * 1_000_000n + subMs;
    }
  }
  // What dockerd's timetypes cannot read it hands to strconv.ParseInt, seconds and then
  // the fraction, and the client gets strconv's words about the part that failed.
  const [secs = '', frac = ''] = value.split('.', 2);
  const bad = /^[+-]?\d+$/.test(secs) ? frac : secs;
  throw new InvalidParameter(`strconv.ParseInt: parsing ${JSON.stringify(bad)}: invalid syntax`);
}

/** `1h30m`, `10s`, `1.5h` in nanoseconds; null when `s` is not a Go duration. */
export function parseGoDuration(s: string): bigint | null {
  try {
    return BigInt(goParseDuration(s));
  } catch {
    return null;
  }
}
