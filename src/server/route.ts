import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { ArgsOf, JobName } from '../engine/job-table.js';
import type { Query } from './query.js';

/** What a route's `args` function sees of the request, already decoded. */
export interface RouteRequest {
  params: Record<string, string>;
  query: Query;
  /** Parsed JSON body (`undefined` when empty), only when the route's `body` is 'json'. */
  body: unknown;
  headers: IncomingHttpHeaders;
  /** The negotiated API version of this request ("1.41" when unversioned). */
  version: string;
  /** The raw request, for routes whose `body` is 'stream'. */
  stream: Readable;
}

/**
 * How the job's outcome goes back:
 *  - 'json': the job's result, serialised (`ok` status, default 200)
 *  - 'text': the job's result is a string sent as text/plain (`/_ping`'s "OK")
 *  - 'empty': no body (`ok` status, default 204)
 *  - 'json-stream': the job writes JSON messages to stdout (pull, load, events)
 *  - 'binary': the job writes bytes to stdout (save, export) with `contentType`
 *  - 'hijack': the connection becomes the job's (attach, exec start): with `Upgrade: tcp`
 *    the job reads the client's stdin from it and writes the raw stream after a 101;
 *    without, the output is the body of a 200
 *  - 'websocket': the connection becomes a websocket (attach/ws): the job's writes are
 *    binary messages, the client's messages its stdin (src/server/websocket.ts); a
 *    request that does not ask for a websocket is refused
 */
export type Reply = 'json' | 'text' | 'empty' | 'json-stream' | 'binary' | 'hijack' | 'websocket';

export interface Route<N extends JobName = JobName> {
  method: 'get' | 'post' | 'put' | 'delete' | 'head' | 'options';
  /** path-to-regexp v8 syntax: `:name` for a segment, `*name` for the rest (image names with `/`). */
  path: string;
  job: N;
  /** Build and validate the job's typed arguments; throw InvalidParameter on bad input. */
  args: (req: RouteRequest) => ArgsOf<N>;
  reply?: Reply;
  ok?: number;
  /** 'json' (default for post/put): parse a JSON body; 'stream': hand the request to the job as stdin. */
  body?: 'json' | 'stream' | 'none';
  contentType?: string;
  /** Extra response headers for this route (e.g. `/_ping`'s Cache-Control). */
  headers?: Record<string, string>;
  /**
   * A request the front door (front-door.ts) may answer without node:http: a 'text' or
   * 'json' GET route without parameters or body; the front door takes it only without
   * a query, and `args` then sees an empty one (so it must read nothing else).
   */
  quick?: boolean;
  /**
   * A quick route whose answer never changes while the daemon runs (it reads no
   * state): a connection that asks nothing else may move to the porch (porch.ts),
   * which replays the front door's last answer from a thread of its own.
   */
  porch?: boolean;
}

/** Declare a route with its job name checked against the JobTable and `args` typed by it. */
export function route<N extends JobName>(r: Route<N>): Route {
  return r as unknown as Route;
}
