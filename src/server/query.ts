import { InvalidParameter } from '../engine/errors.js';

/** Filters as the Engine API sends them: `{"label":["a=b"]}` or the older `{"label":{"a=b":true}}`. */
export type Filters = Record<string, string[]>;

/**
 * Typed reads of a request's query string, with dockerd's rules: a boolean is false
 * for "0", "no", "false" and "none" (any case) and true for anything else, as dockerd's
 * BoolValue (so `force=abc` forces); absent or empty is the default. Integers must
 * parse, filters are JSON.
 */
export class Query {
  private parsed: URLSearchParams | undefined;

  /**
   * `search` is the raw query string (without `?`), parsed on first read: most
   * requests on the hot path (`/_ping`, `/version`) never look at their query.
   */
  constructor(private readonly search: URLSearchParams | string) {}

  private get params(): URLSearchParams {
    if (!this.parsed) this.parsed = typeof this.search === 'string' ? new URLSearchParams(this.search) : this.search;
    return this.parsed;
  }

  has(name: string): boolean {
    return this.params.has(name);
  }

  string(name: string): string | undefined {
    return this.params.get(name) ?? undefined;
  }

  all(name: string): string[] {
    return this.params.getAll(name);
  }

  bool(name: string, dflt = false): boolean {
    const v = this.params.get(name);
    const s = v?.trim().toLowerCase();
    if (!s) return dflt;
    return !(s === '0' || s === 'no' || s === 'false' || s === 'none');
  }

  int(name: string, dflt?: number): number | undefined {
    const v = this.params.get(name);
    if (v === null || v === '') return dflt;
    const n = Number(v);
    if (!Number.isInteger(n)) throw new InvalidParameter(`invalid ${name} value: ${JSON.stringify(v)}: must be an integer`);
    return n;
  }

  /** Decode `filters`, accepting both wire formats; `{}` when absent. */
  filters(name = 'filters'): Filters {
    const raw = this.params.get(name);
    if (!raw) return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new InvalidParameter(`invalid filter: ${raw}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new InvalidParameter(`invalid filter: ${raw}`);
    }
    const out: Filters = {};
    for (const [key, val] of Object.entries(parsed as Record<string, unknown>)) {
      if (Array.isArray(val) && val.every((v) => typeof v === 'string')) out[key] = val as string[];
      else if (val && typeof val === 'object') out[key] = Object.keys(val as object).filter((k) => (val as Record<string, unknown>)[k]);
      else throw new InvalidParameter(`invalid filter: ${raw}`);
    }
    return out;
  }
}

/** Reject filter keys a listing does not know, as dockerd 20.10's filters.Validate does ("Invalid filter 'foo'"). */
export function checkFilterKeys(filters: Filters, allowed: readonly string[]): void {
  for (const key of Object.keys(filters)) {
    if (!allowed.includes(key)) throw new InvalidParameter(`Invalid filter '${key}'`);
  }
}
