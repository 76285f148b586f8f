/**
 * Go's time.ParseDuration, the one reader of durations in berth: dockerd reads every
 * duration a client gives with it (health check options, `--change`, Dockerfile
 * HEALTHCHECK flags, the `until` filters, events' since and until, builder prune), so
 * berth takes the same spellings and refuses the rest in Go's words.
 */
const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, '\u00b5s': 1e3, '\u03bcs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/**
 * Go's time.ParseDuration, in nanoseconds; throws with Go's messages (`time: invalid
 * duration "x"`, `time: missing unit in duration "1"`, `time: unknown unit "x" in
 * duration "1x"`).
 */
export function goParseDuration(orig: string): number {
  const invalid = (): Error => new Error(`time: invalid duration ${JSON.stringify(orig)}`);
  let s = orig;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw invalid();
  let total = 0;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    if (m[0] === '' || (m[1] === '' && !m[2])) throw invalid();
    s = s.slice(m[0].length);
    const unit = /^[^\d.]*/.exec(s)![0];
    if (unit === '') throw new Error(`time: missing unit in duration ${JSON.stringify(orig)}`);
    const mult = DURATION_UNITS[unit];
    if (mult === undefined) throw new Error(`time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(orig)}`);
    s = s.slice(unit.length);
    total += Number(`${m[1] || '0'}.${m[2] ?? ''}0`) * mult;
  }
  return sign * Math.round(total);
}
