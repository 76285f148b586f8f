import { InvalidParameter } from '../../engine/errors.js';

/** Go's strconv.ParseUint(s, 10, 16) as nat.ParsePortRange reports it. */
function parsePort(s: string): number {
  if (!/^\d+$/.test(s)) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (n > 65535) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

/**
 * The `publish=` / `expose=` values of a container listing as dockerd's portOp reads
 * them: `PORT[/PROTO]` or `START-END[/PROTO]`, no host part, tcp by default; the
 * result holds every `port/proto` covered. Errors carry dockerd's words.
 */
export function portFilter(key: string, values: string[]): Set<string> {
  const out = new Set<string>();
  for (const value of values) {
    if (value.includes(':')) throw new InvalidParameter(`filter for '${key}' should not contain ':': ${value}`);
    // nat.SplitProtoPort, then nat.ParsePortRange.
    const parts = value.split('/');
    const port = parts[0] ?? '';
    const proto = port === '' ? '' : parts[1] || 'tcp';
    let start: number;
    let end: number;
    try {
      if (port === '') throw new Error('Empty string specified for ports.');
      const range = port.split('-');
      start = parsePort(range[0]!);
      end = range.length > 1 ? parsePort(range[1]!) : start;
      if (end < start) throw new Error(`Invalid range specified for the Port: ${port}`);
    } catch (err) {
      throw new InvalidParameter(`error while looking up for ${key} ${value}: ${(err as Error).message}`);
    }
    for (let p = start; p <= end; p++) out.add(`${p}/${proto}`);
  }
  return out;
}
