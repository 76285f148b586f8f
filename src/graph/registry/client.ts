import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { Unauthorized } from '../../engine/errors.js';
import { Authorizer, TokenCache } from './auth.js';
import { parseChallenges } from './challenge.js';
import { endpointsFor, type Endpoint } from './endpoint.js';
import { RegistryError, errorFrom } from './errors.js';
import { TransportError, send, silenceLimitMs, type HttpRequest } from './http.js';
import type { AuthConfig, RegistrySettings } from './types.js';

export interface ConnectOptions {
  settings: RegistrySettings;
  creds: AuthConfig;
  tokens: TokenCache;
  /** Pulls may go to docker.io's mirrors; push and login may not. */
  forPull: boolean;
  signal?: AbortSignal;
}

/** How long to wait between attempts when the registry gives no Retry-After. */
const RETRY_BASE_MS = 1000;
const MAX_RETRY_WAIT_MS = 60_000;

/**
 * A connection to one registry endpoint, authorised: `request` adds the right
 * Authorization for the repository scopes it is given, answers a 401 by fetching a
 * fresh token once, and retries 429/502/503/504 and transport failures of idempotent
 * requests up to `--max-download-attempts`, waiting as `Retry-After` says. Push and
 * pull are both built on it; manifest and blob helpers live in ./manifest.ts and
 * ./blob.ts.
 */
export class RegistryClient {
  private constructor(
    readonly endpoint: Endpoint,
    readonly auth: Authorizer,
    private readonly attempts: number,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /**
   * Ping `/v2/` of each endpoint of `host` in turn; the first that answers as a v2
   * registry (200, or 401 with a challenge) is used. Transport failures (refused,
   * TLS on a plain-HTTP registry) move on to the next endpoint.
   */
  static async connect(host: string, opts: ConnectOptions): Promise<RegistryClient> {
    const endpoints = await endpointsFor(host, opts.settings, opts.forPull);
    let lastErr: unknown;
    for (const ep of endpoints) {
      try {
        const url = `${ep.base}/v2/`;
        const res = await send({ method: 'GET', url, tls: ep.tls, signal: opts.signal, timeoutMs: silenceLimitMs(15_000) });
        res.resume();
        if (res.statusCode !== 200 && res.statusCode !== 401) {
          lastErr = new RegistryError(res.statusCode ?? 0, 'UNKNOWN', `${url} is not a v2 registry (status ${res.statusCode})`);
          continue;
        }
        const challenges = parseChallenges(res.headers['www-authenticate']);
        const challenge = challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
        const auth = new Authorizer(ep, res.statusCode === 401 ? challenge : undefined, opts.creds, opts.tokens);
        return new RegistryClient(ep, auth, Math.max(1, opts.settings.maxDownloadAttempts), opts.signal);
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        lastErr = err;
      }
    }
    throw lastErr;
  }

  /** `https://host/v2/<repo>/<path>` */
  url(repo: string, path: string): string {
    return `${this.endpoint.base}/v2/${repo}/${path}`;
  }

  /**
   * An authorised request for `repo` with `actions` (`pull`, `pull,push`). Resolves
   * with any final status; the caller decides what it means. 401 after a fresh token
   * is an Unauthorized error with the registry's message.
   */
  request(repo: string, actions: string, req: Omit<HttpRequest, 'tls' | 'signal'>, opts: { retry?: boolean } = {}): Promise<IncomingMessage> {
    return this.authorized([`repository:${repo}:${actions}`], req, opts);
  }

  /** `request` with explicit token scopes (none for a login's `/v2/`, several for a cross-repository mount). */
  async authorized(scopes: string[], req: Omit<HttpRequest, 'tls' | 'signal'>, opts: { retry?: boolean } = {}): Promise<IncomingMessage> {
    const retry = opts.retry ?? (req.method === 'GET' || req.method === 'HEAD');
    for (let attempt = 1, refreshed = false; ; attempt++) {
      const headers: OutgoingHttpHeaders = { ...req.headers };
      const authz = await this.auth.header(scopes, req.url, req.method);
      if (authz) headers['authorization'] = authz;
      let res: IncomingMessage;
      try {
        res = await send({ ...req, headers, tls: this.endpoint.tls, signal: this.signal });
      } catch (err) {
        if (!(err instanceof TransportError) || !retry || attempt >= this.attempts) throw err;
        await this.wait(RETRY_BASE_MS * attempt);
        continue;
      }
      const status = res.statusCode ?? 0;
      if (status === 401 && this.auth.scheme === 'bearer' && !refreshed) {
        // The token may have expired or been revoked early: one fresh token, then give up.
        res.resume();
        this.auth.invalidate(scopes, authz);
        refreshed = true;
        attempt--;
        continue;
      }
      if (status === 401) {
        const denied = bearerError(res.headers['www-authenticate']);
        const err = await errorFrom(res);
        // A valid token without the access asked for: dockerd reads the challenge's
        // error first (`denied: requested access to the resource is denied`), which a
        // pull reports as "pull access denied", not as a login problem.
        if (denied) throw denied;
        throw new Unauthorized(err.message, { cause: err });
      }
      if (retry && [429, 502, 503, 504].includes(status) && attempt < this.attempts) {
        const err = await errorFrom(res);
        await this.wait(Math.min(MAX_RETRY_WAIT_MS, err.retryAfterMs ?? RETRY_BASE_MS * attempt));
        continue;
      }
      return res;
    }
  }

  /** Sleep, ending early (with the abort reason) when the job is aborted. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
      const onAbort = (): void => { clearTimeout(timer); reject(this.signal!.reason as Error); };
      this.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  get maxAttempts(): number {
    return this.attempts;
  }
}

/**
 * RFC 6750's `error="insufficient_scope"` in a Bearer challenge, as dockerd's
 * HandleErrorResponse reads it: a DENIED error (its description, or the code's own
 * message). `invalid_token` stays an authentication failure.
 */
function bearerError(header: string | string[] | undefined): RegistryError | undefined {
  const c = parseChallenges(header).find((x) => x.scheme === 'bearer');
  if (c?.params['error'] !== 'insufficient_scope') return undefined;
  return new RegistryError(401, 'DENIED', c.params['error_description'] || 'requested access to the resource is denied');
}
