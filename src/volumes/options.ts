import { InvalidParameter } from '../engine/errors.js';

/** The DriverOpts the local driver knows (dockerd's volume/local validOpts). */
const VALID = new Set(['type', 'o', 'device', 'size']);

/** An option that needs others beside it; checked in this order for a stable message. */
const MANDATORY: [string, string[]][] = [['device', ['type']], ['type', ['device']], ['o', ['device', 'type']]];

/**
 * Check a volume's DriverOpts with dockerd's messages: type/device/o describe a
 * filesystem mounted at first use (mount.ts); `size` needs a quota-capable backing
 * filesystem, which berth never sets up, so it is refused as dockerd refuses it there.
 */
export function checkOptions(name: string, opts: Record<string, string> | null): void {
  if (!opts || Object.keys(opts).length === 0) return;
  for (const k of Object.keys(opts)) {
    if (!VALID.has(k)) throw new InvalidParameter(`create ${name}: invalid option: ${JSON.stringify(k)}`);
  }
  for (const [opt, required] of MANDATORY) {
    if (!(opt in opts)) continue;
    for (const r of required) {
      if (!(r in opts)) throw new InvalidParameter(`create ${name}: missing required option: ${JSON.stringify(r)}`);
    }
  }
  if ('size' in opts) throw new InvalidParameter(`create ${name}: quota size requested but no quota support`);
}
