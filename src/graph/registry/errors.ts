import type { IncomingMessage } from 'node:http';
import { InvalidParameter, NotFound, Unavailable, kindOf } from '../../engine/errors.js';
import { readBody } from './http.js';

/**
 * Errors a registry answers with (`{"errors":[{"code","message","detail"}]}`) and
 * their text as dockerd prints them: Go's errcode.Error is "<code in lower case with
 * spaces>: <message>", so MANIFEST_UNKNOWN "manifest unknown" reads
 * `manifest unknown: manifest unknown`.
 */
export class RegistryError extends Error {
  constructor(readonly status: number, readonly code: string, readonly detail: string, readonly retryAfterMs?: number) {
    super(`${code.toLowerCase().replace(/_/g, ' ')}: ${detail}`);
  }
}

/** Read an error reply into a RegistryError (the body is small; anything else is cut off). */
export async function errorFrom(res: IncomingMessage): Promise<RegistryError> {
  const status = res.statusCode ?? 0;
  const retry = retryAfterMs(res.headers['retry-after']);
  let body = '';
  try {
    body = (await readBody(res, 64 << 10, 'error body')).toString('utf8');
  } catch {
    // A huge or broken error body: the status says enough.
  }
  try {
    const parsed = JSON.parse(body) as { errors?: { code?: string; message?: string }[]; details?: string };
    const first = parsed.errors?.[0];
    if (first?.code) return new RegistryError(status, first.code, first.message ?? '', retry);
    // Token servers answer `{"details":"incorrect username or password"}`.
    if (status === 401 && typeof parsed.details === 'string') return new RegistryError(status, 'UNAUTHORIZED', parsed.details, retry);
  } catch {
    // Not JSON.
  }
  const code = status === 401 ? 'UNAUTHORIZED' : status === 403 ? 'DENIED' : status === 404 ? 'NOT_FOUND' : status === 429 ? 'TOOMANYREQUESTS' : 'UNKNOWN';
  const text = body.trim().slice(0, 200);
  return new RegistryError(status, code, text || `unexpected status ${status}`, retry);
}

/** `Retry-After`: seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(h: string | string[] | undefined): number | undefined {
  const v = Array.isArray(h) ? h[0] : h;
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * A pull's failure in dockerd's words (distribution/errors.go TranslatePullError):
 * DENIED, MANIFEST_UNKNOWN and NAME_UNKNOWN become "not found" errors naming the
 * image; 401s stay unauthorized; everything else keeps the registry's text.
 */
export function translatePullError(err: unknown, familiarName: string, familiarRef: string): Error {
  // A 401 from the daemon makes the docker CLI prompt for a login on its stdin;
  // dockerd answers a pull's auth failures as unknown errors (500), and so do we
  // (no `cause`: the server would find the 401 through it).
  if (kindOf(err) === 'unauthorized') return new Error((err as Error).message);
  if (kindOf(err)) return err as Error;
  if (err instanceof RegistryError) {
    switch (err.code) {
      case 'DENIED':
        return new NotFound(`pull access denied for ${familiarName}, repository does not exist or may require 'docker login': ${err.message}`, { cause: err });
      case 'MANIFEST_UNKNOWN':
        return new NotFound(`manifest for ${familiarRef} not found: ${err.message}`, { cause: err });
      case 'NAME_UNKNOWN':
        return new NotFound(`repository ${familiarName} not found: ${err.message}`, { cause: err });
      case 'UNAUTHORIZED':
        return new Error(err.message);
      case 'TOOMANYREQUESTS':
        return new Unavailable(err.message, { cause: err });
      default:
        return new InvalidParameter(err.message, { cause: err });
    }
  }
  return err as Error;
}
