import { InvalidParameter } from '../engine/errors.js';
import { goParseDuration } from '../engine/go-duration.js';

/**
 * Pure helpers for the image listing and prune filters, with dockerd's semantics.
 */

/** Reject filter keys a listing does not take, in dockerd's words (filters.Validate). */
export function checkFilters(filters: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(filters)) {
    if (!allowed.includes(key)) throw new InvalidParameter(`Invalid filter '${key}'`);
  }
}

/**
 * `label` filters (MatchKVList): every value must match; `key` requires the label to
 * exist, `key=value` requires that value. No labels never match a non-empty filter.
 */
export function matchLabels(wanted: readonly string[] | undefined, labels: Record<string, string> | null | undefined): boolean {
  if (!wanted || wanted.length === 0) return true;
  if (!labels || Object.keys(labels).length === 0) return false;
  return wanted.every((w) => {
    const eq = w.indexOf('=');
    if (eq < 0) return Object.hasOwn(labels, w);
    const k = w.slice(0, eq);
    return Object.hasOwn(labels, k) && labels[k] === w.slice(eq + 1);
  });
}

/** Prune's `label!` filter: true when the labels match none of the values. */
export function matchNoLabels(unwanted: readonly string[] | undefined, labels: Record<string, string> | null | undefined): boolean {
  if (!unwanted || unwanted.length === 0) return true;
  return !unwanted.some((u) => matchLabels([u], labels));
}

/** A boolean filter value as dockerd reads `dangling`: "true"/"1" or "false"/"0". */
export function boolFilter(name: string, values: readonly string[] | undefined): boolean | undefined {
  if (!values || values.length === 0) return undefined;
  const v = values[values.length - 1]!.toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new InvalidParameter(`invalid filter '${name}=${values.join(',')}'`);
}

/** A Go duration string (`24h`, `1h30m`, `90s`) in milliseconds, or undefined. */
export function parseDuration(s: string): number | undefined {
  try {
    return goParseDuration(s) / 1e6;
  } catch {
    return undefined;
  }
}

/**
 * A timestamp as the `until`/`since` filters take it (timetypes.GetTimestamp): a Go
 * duration before now, unix seconds (with optional fraction), or an RFC 3339 date or
 * date-time (local time when it has no zone). Returns milliseconds since the epoch.
 */
export function parseTimestamp(value: string, now = Date.now()): number {
  // "0" is the epoch, not no time ago: timetypes.GetTimestamp leaves it to the number.
  const d = value === '0' ? undefined : parseDuration(value);
  if (d !== undefined) return now - d;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const t = Date.parse(value);
    if (!Number.isNaN(t)) return t;
  }
  throw new InvalidParameter(`failed to parse value as time or duration: "${value}"`);
}
