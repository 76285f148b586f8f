import type { ContainerRecord, ContainerSummary } from './types.js';

/**
 * A `docker ps` row's JSON, kept per container and reused while the row is the same.
 * Serialising 1000 rows on every listing was most of the daemon's work for
 * `ps -a`; comparing a fresh row with the last one costs a fraction of that. The
 * row is rebuilt every time from the record (nothing here knows which changes
 * matter), so the text is always exactly JSON.stringify of the current row. What is
 * kept to compare with is the parsed text, not the row: the row shares objects with
 * the record (its labels), which a change in place would change on both sides.
 */
const cache = new WeakMap<ContainerRecord, { row: unknown; json: string }>();

export function rowJson(c: ContainerRecord, row: ContainerSummary): string {
  const hit = cache.get(c);
  if (hit && sameJson(hit.row, row)) return hit.json;
  const json = JSON.stringify(row);
  cache.set(c, { row: JSON.parse(json), json });
  return json;
}

/**
 * Whether two plain JSON values serialise the same: equal primitives, and arrays and
 * objects with the same keys in the same order (the order is part of the text).
 * NaN never matches, which only costs a fresh serialisation.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b) || Object.getPrototypeOf(a) !== Object.prototype || Object.getPrototypeOf(b) !== Object.prototype) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const oa = a as Record<string, unknown>;
  const ob = b as Record<string, unknown>;
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kb[i] || !sameJson(oa[ka[i]!], ob[kb[i]!])) return false;
  }
  return true;
}
