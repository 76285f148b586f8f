import { fixedTime, recordTimeNs } from './logs-time.js';

/** One json-file record as the shim writes it (dockerd's jsonlog.JSONLog). */
export interface LogRecord {
  log: string;
  stream: string;
  time: string;
  attrs?: Record<string, string>;
}

const STREAM_KEY = '","stream":"';
const TIME_KEY = '","time":"';

/**
 * The shim's own layout, `{"log":"…","stream":"stdout","time":"…"}`, read by slicing:
 * only the log string goes through JSON.parse, not an object per line. Anything else
 * (attrs, another writer's key order) is left to the general parser.
 */
function decodeShimRecord(line: string): LogRecord | null {
  if (!line.startsWith('{"log":"') || !line.endsWith('"}')) return null;
  const t = line.lastIndexOf(TIME_KEY);
  const st = t < 0 ? -1 : line.lastIndexOf(STREAM_KEY, t);
  if (st < 0) return null;
  const stream = line.slice(st + STREAM_KEY.length, t);
  const time = line.slice(t + TIME_KEY.length, -2);
  if (stream.includes('"') || time.includes('"')) return null;
  // Most lines are plain text ending in a newline: the only escape is that `\n`.
  const body = line.slice(8, st);
  const slash = body.indexOf('\\');
  if (slash === -1) return { log: body, stream, time };
  if (slash === body.length - 2 && body.endsWith('\\n')) return { log: body.slice(0, -2) + '\n', stream, time };
  try {
    const log = JSON.parse(line.slice(7, st + 1)) as unknown;
    return typeof log === 'string' ? { log, stream, time } : null;
  } catch {
    return null;
  }
}

/** A line of the file as a record; null for a line that is not one (a crashed writer's fragment). */
export function decodeRecord(line: string): LogRecord | null {
  const fast = decodeShimRecord(line);
  if (fast) return fast;
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (!v || typeof v !== 'object') return null;
  const r = v as Partial<LogRecord>;
  if (typeof r.log !== 'string' || typeof r.stream !== 'string' || typeof r.time !== 'string') return null;
  return r as LogRecord;
}

/** Which records pass and how each is printed; built once from the request. */
export interface RecordFormat {
  stdout: boolean;
  stderr: boolean;
  timestamps: boolean;
  details: boolean;
  /** `details`' prefix for records that carry no attrs (the shim writes none): the container's, see logs-attrs.ts. */
  attrs?: string;
  /** Multiplex with stdcopy headers (no TTY); raw bytes otherwise. */
  mux: boolean;
  sinceNs: bigint | null;
  untilNs: bigint | null;
}

/**
 * What a record does to the output: skipped (before `since`, or a stream not asked
 * for), written, or the end (after `until`: dockerd stops reading there, the file
 * being in time order).
 */
export type Verdict = 'skip' | 'stop' | { stream: number; text: string };

const STDOUT = 1;
const STDERR = 2;

export function formatRecord(r: LogRecord, f: RecordFormat): Verdict {
  if (f.sinceNs !== null || f.untilNs !== null) {
    const t = recordTimeNs(r.time);
    if (t !== null) {
      if (f.sinceNs !== null && t < f.sinceNs) return 'skip';
      if (f.untilNs !== null && t > f.untilNs) return 'stop';
    }
  }
  // dockerd filters streams after tail and since/until, so `--tail 1` counts both streams.
  const stream = r.stream === 'stderr' ? STDERR : r.stream === 'stdout' ? STDOUT : 0;
  if (stream === STDOUT ? !f.stdout : stream === STDERR ? !f.stderr : true) return 'skip';
  let text = r.log;
  if (f.details) text = `${r.attrs ? attrsText(r.attrs) : f.attrs ?? ''} ${text}`;
  if (f.timestamps) text = `${fixedTime(r.time)} ${text}`;
  return { stream, text };
}

/** dockerd's `details` prefix: attrs sorted by key, each `key=value` query-escaped as Go does, joined by ','. */
export function attrsText(attrs: Record<string, string> | undefined): string {
  if (!attrs) return '';
  return Object.keys(attrs).sort().map((k) => `${queryEscape(k)}=${queryEscape(String(attrs[k]))}`).join(',');
}

/** Go's url.QueryEscape: space as '+', everything but [A-Za-z0-9-_.~] percent-encoded. */
function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}
