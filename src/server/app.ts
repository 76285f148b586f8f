import express, { type NextFunction, type Request, type Response } from 'express';
import type { Engine } from '../engine/engine.js';
import { InvalidParameter } from '../engine/errors.js';
import { API_VERSION, VERSION } from '../engine/config.js';
import type { Logger } from '../engine/log.js';
import { Query } from './query.js';
import type { Route, RouteRequest } from './route.js';
import { LazyReply } from './reply.js';
import { statusOf } from './status.js';
import { splitVersion } from './version.js';

const MAX_JSON_BODY = 16 << 20;

declare module 'express-serve-static-core' {
  interface Request {
    apiVersion: string;
  }
}

export interface AppOptions {
  experimental: boolean;
  log: Logger;
}

/**
 * The Engine API as an Express app: every route in the table becomes one job run.
 * Fails at construction if a route names a job nobody registered.
 */
export function createApp<C>(engine: Engine<C>, routes: Route[], opts: AppOptions): express.Express {
  for (const r of routes) {
    if (!engine.has(r.job)) throw new Error(`route ${r.method.toUpperCase()} ${r.path} names unregistered job ${r.job}`);
  }
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', false);

  const serverHeader = `berth/${VERSION} (linux)`;
  app.use((req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Api-Version', API_VERSION);
    res.setHeader('Docker-Experimental', String(opts.experimental));
    res.setHeader('Ostype', 'linux');
    res.setHeader('Server', serverHeader);
    try {
      const { version, url } = splitVersion(req.url);
      req.apiVersion = version;
      req.url = url;
      next();
    } catch (err) {
      sendError(res, err, opts.log);
    }
  });

  for (const r of routes) {
    app[r.method](r.path, (req: Request, res: Response) => {
      void dispatch(engine, r, req, res, opts.log);
    });
  }

  // dockerd's answer for a path it has no route for.
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ message: 'page not found' });
  });
  return app;
}

async function dispatch<C>(engine: Engine<C>, r: Route, req: Request, res: Response, log: Logger): Promise<void> {
  let args: unknown;
  try {
    const url = new URL(req.url, 'http://berth');
    const wantsJson = (r.body ?? (r.method === 'post' || r.method === 'put' ? 'json' : 'none')) === 'json';
    const rr: RouteRequest = {
      params: flattenParams(req.params as Record<string, string | string[]>),
      query: new Query(url.searchParams),
      body: wantsJson ? await readJson(req) : undefined,
      headers: req.headers,
      version: req.apiVersion,
      stream: req,
    };
    args = r.args(rr);
  } catch (err) {
    sendError(res, err, log);
    return;
  }

  const abort = new AbortController();
  res.once('close', () => { if (!res.writableFinished) abort.abort(); });
  const stdin = r.body === 'stream' ? req : undefined;
  const reply = r.reply ?? 'json';

  if (reply === 'json' || reply === 'text' || reply === 'empty') {
    try {
      const result = await engine.job(r.job, args as never, { stdin, signal: abort.signal });
      if (reply === 'empty') res.status(r.ok ?? 204).end();
      else if (reply === 'text') res.status(r.ok ?? 200).type('text/plain; charset=utf-8').send(String(result));
      else res.status(r.ok ?? 200).json(result);
    } catch (err) {
      sendError(res, err, log);
    }
    return;
  }

  const contentType = r.contentType ?? (reply === 'json-stream' ? 'application/json' : 'application/octet-stream');
  const out = new LazyReply(res, r.ok ?? 200, contentType);
  out.on('error', () => { /* the client went away; the job sees its abort signal */ });
  try {
    await engine.job(r.job, args as never, { stdin, stdout: out, signal: abort.signal });
    if (!out.writableEnded) out.end();
  } catch (err) {
    if (!out.started) {
      sendError(res, err, log);
    } else if (reply === 'json-stream' && !out.destroyed) {
      // Mid-stream failures travel in the stream itself, the way the CLI expects them.
      const message = (err as Error).message;
      out.end(JSON.stringify({ errorDetail: { message }, error: message }) + '\n');
    } else {
      res.destroy();
    }
  }
}

/** `*name` wildcards arrive as segment arrays in path-to-regexp v8; rejoin them. */
function flattenParams(params: Record<string, string | string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) out[k] = Array.isArray(v) ? v.join('/') : v;
  return out;
}

async function readJson(req: Request): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JSON_BODY) throw new InvalidParameter('request body is too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidParameter(`invalid JSON in request body: ${(err as Error).message}`);
  }
}

export function sendError(res: Response, err: unknown, log: Logger): void {
  const status = statusOf(err);
  if (status === 500) log.debug(`internal error: ${(err as Error)?.stack ?? String(err)}`);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (status === 304) {
    res.status(304).end();
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  res.status(status).json({ message });
}
