import { randomBytes } from 'node:crypto';
import { InvalidParameter, NotFound } from '../engine/errors.js';
import type { NetworkRecord } from './types.js';

export function generateNetworkId(): string {
  return randomBytes(32).toString('hex');
}

/** RFC 3339 with nanoseconds, the way Go prints time.Time. */
export function nowNano(): string {
  const now = new Date();
  const ns = String(process.hrtime.bigint() % 1_000_000n).padStart(6, '0');
  return now.toISOString().replace(/\.(\d{3})Z$/, `.$1${ns}Z`);
}

/**
 * dockerd's network lookup: full ID, then exact name, then unique ID prefix.
 * Several networks of one name (created without CheckDuplicate) are ambiguous.
 */
export function findNetwork(all: readonly NetworkRecord[], ref: string): NetworkRecord | undefined {
  if (!ref) return undefined;
  const byId = all.find((n) => n.Id === ref);
  if (byId) return byId;
  const byName = all.filter((n) => n.Name === ref);
  if (byName.length > 1) throw new InvalidParameter(`network ${ref} is ambiguous (${byName.length} matches found based on name)`);
  if (byName.length === 1) return byName[0];
  const byPrefix = all.filter((n) => n.Id.startsWith(ref));
  if (byPrefix.length > 1) throw new InvalidParameter(`network ${ref} is ambiguous (${byPrefix.length} matches found based on ID prefix)`);
  return byPrefix[0];
}

export function getNetwork(all: readonly NetworkRecord[], ref: string): NetworkRecord {
  const n = findNetwork(all, ref);
  if (!n) throw new NotFound(`network ${ref} not found`);
  return n;
}

/** The modes whose network is the host's or none: no endpoint of berth's, no ports, no interface to count. */
export function hostOrNone(mode: string): mode is 'host' | 'none' {
  return mode === 'host' || mode === 'none';
}

/** A container's NetworkMode as the network it names (`default` is `bridge`); null for container:<x>. */
export function modeNetwork(mode: string): string | null {
  if (mode === '' || mode === 'default') return 'bridge';
  if (mode.startsWith('container:')) return null;
  return mode;
}
