import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { BerthError, Forbidden, InvalidParameter, NotFound, System, Unauthorized } from '../../engine/errors.js';
import { describe } from '../registry/http.js';

/*
 * A GET of a URL the user gave the daemon (`docker import URL`, `build?remote=URL`,
 * ADD URL), as dockerd 20.10's remotecontext.GetWithStatusError does it: redirects
 * followed as Go's http.Get follows them, transport failures in Go's net/http words,
 * and an answer of 400 or more refused with its status and body in the message.
 */

/** The most of an error page kept for the message. */
const ERROR_BODY_LIMIT = 64 * 1024;

/** One GET; transport errors in Go's words: `Get "URL": dial tcp ADDR: connect: connection refused`. */
function getOnce(url: string, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = (url.startsWith('https:') ? httpsGet : httpGet)(url, { signal }, resolve);
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (signal.aborted) return reject(err);
      const message = `Get ${JSON.stringify(url)}: ${describe(err)}`;
      // dockerd: a failed lookup is the user's NotFound, anything else the system's.
      reject(err.code === 'ENOTFOUND' ? new NotFound(message, { cause: err }) : new System(message, { cause: err }));
    });
  });
}

/** The typed error dockerd gives a status of 400 or more. */
function statusError(status: number, message: string): BerthError {
  if (status === 404) return new NotFound(message);
  if (status === 400) return new InvalidParameter(message);
  if (status === 401) return new Unauthorized(message);
  if (status === 403) return new Forbidden(message);
  return new System(message);
}

/**
 * GET `url` and answer the final response, whose status is below 400. Errors are
 * typed as dockerd types them; callers put their own prefix in front of the message.
 */
export async function getWithStatusError(url: string, signal: AbortSignal): Promise<{ res: IncomingMessage; url: string }> {
  // The message names the URL asked for, not where a redirect led.
  const asked = url;
  for (let hops = 0; ; hops++) {
    const res = await getOnce(url, signal);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (status >= 300 && status < 400 && location) {
      res.resume();
      const next = new URL(location, url).href;
      if (hops === 9) throw new System(`Get ${JSON.stringify(next)}: stopped after 10 redirects`);
      url = next;
      continue;
    }
    if (status < 400) return { res, url };
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of res as AsyncIterable<Buffer>) {
      if (size < ERROR_BODY_LIMIT) chunks.push(c);
      size += c.length;
    }
    const body = Buffer.concat(chunks).subarray(0, ERROR_BODY_LIMIT).toString('utf8').trim();
    throw statusError(status, `failed to GET ${asked} with status ${status} ${res.statusMessage ?? ''}: ${body}`);
  }
}

/** The same error with `prefix` in front of its message, keeping its type. */
export function prefixed(err: unknown, prefix: string): unknown {
  if (!(err instanceof BerthError)) return err;
  const Kind = err.constructor as new (message: string, options?: { cause?: unknown }) => BerthError;
  return new Kind(prefix + err.message, { cause: err });
}
