import { InvalidParameter } from '../../engine/errors.js';

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** Go's strconv.ParseInt(s, 10, 64), with its error text (dockerd sends it to the client as is). */
function parseInt64(s: string): bigint {
  if (!/^[+-]?\d+$/.test(s)) throw new InvalidParameter(`strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = BigInt(s);
  if (n > INT64_MAX || n < INT64_MIN) throw new InvalidParameter(`strconv.ParseInt: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

/**
 * A logs `since`/`until` value as unix nanoseconds, parsed as dockerd's
 * timetypes.ParseTimestamps does: "SECONDS[.FRACTION]", the fraction scaled by its
 * digits (".5" is half a second). The CLI has already turned durations and dates
 * into that form. A value that does not parse gets strconv's words, as dockerd's
 * answer, but as a 400 (dockerd leaves it a 500; the input is the client's error).
 */
export function parseLogTimestamp(value: string): bigint {
  const dot = value.indexOf('.');
  const secs = parseInt64(dot < 0 ? value : value.slice(0, dot));
  if (dot < 0) return secs * 1_000_000_000n;
  const fracText = value.slice(dot + 1);
  const frac = parseInt64(fracText);
  const digits = fracText.replace(/^[+-]/, '').length;
  const nanos = digits <= 9 ? frac * 10n ** BigInt(9 - digits) : frac / 10n ** BigInt(digits - 9);
  return secs * 1_000_000_000n + nanos;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** A record's `time` (RFC 3339 with up to nine fraction digits) as unix nanoseconds; null if malformed. */
export function recordTimeNs(time: string): bigint | null {
  const m = RFC3339.exec(time);
  if (!m) return null;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return null;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/**
 * A record's time as `docker logs -t` prints it: Go's RFC3339NanoFixed, nine fraction
 * digits always ("2024-01-01T00:00:00.120000000Z"), where the shim trims zeros.
 */
export function fixedTime(time: string): string {
  const m = RFC3339.exec(time);
  if (!m) return time;
  return `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}${m[3]}`;
}
