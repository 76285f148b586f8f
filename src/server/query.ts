import { InvalidParameter } from '../engine/errors.js';
import { unmarshalTypeError } from './go-decode.js';
import { GoJsonSyntaxError, parseGoUnmarshal } from './go-json.js';

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
    return atoi(v);
  }

  /**
   * A terminal size (`h`, `w` of resize) as dockerd reads it: strconv.Atoi, so one
   * that is absent is refused too; the pty takes it as the uint16 containerd passes
   * on (a negative size wraps, as there).
   */
  ttySize(name: string): number {
    return atoi(this.params.get(name) ?? '') & 0xffff;
  }

  /**
   * Decode `filters`, accepting both wire formats; `{}` when absent. A value neither
   * format takes is refused in the words of dockerd's filters.FromJSON, which reports
   * Go's error for the first format (`map[string]map[string]bool`), after `context` where
   * the route's dockerd puts words before it.
   */
  filters(name = 'filters', context = ''): Filters {
    const raw = this.params.get(name);
    if (!raw) return {};
    const parsed = goUnmarshal(raw, context);
    if (parsed === null) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) throw unmarshalTypeError(parsed, 'map[string]map[string]bool');
    const out: Filters = {};
    for (const [key, val] of Object.entries(parsed as Record<string, unknown>)) {
      if (val === null) continue;
      if (Array.isArray(val) && val.every((v) => typeof v === 'string')) out[key] = val as string[];
      else if (typeof val === 'object' && !Array.isArray(val)) {
        const set = val as Record<string, unknown>;
        for (const v of Object.values(set)) if (typeof v !== 'boolean' && v !== null) throw unmarshalTypeError(v, 'bool');
        out[key] = Object.keys(set).filter((k) => set[k] === true);
      } else throw unmarshalTypeError(val, 'map[string]bool');
    }
    return out;
  }
}

/** An integer read as dockerd's strconv.Atoi reads it, with its words for one that does not parse. */
function atoi(v: string): number {
  if (!/^[+-]?\d+$/.test(v)) throw new InvalidParameter(`strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

/**
 * Query JSON read as Go's json.Unmarshal reads it, with its syntax errors as 400s
 * (after `context` when dockerd puts words before them).
 */
export function goUnmarshal(raw: string, context = ''): unknown {
  try {
    return parseGoUnmarshal(raw);
  } catch (err) {
    if (err instanceof GoJsonSyntaxError) throw new InvalidParameter(`${context}${err.message}`);
    throw err;
  }
}

/** Reject filter keys a listing does not know, as dockerd 20.10's filters.Validate does ("Invalid filter 'foo'"). */
export function checkFilterKeys(filters: Filters, allowed: readonly string[]): void {
  for (const key of Object.keys(filters)) {
    if (!allowed.includes(key)) throw new InvalidParameter(`Invalid filter '${key}'`);
  }
}
