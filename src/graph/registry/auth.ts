import { createHash } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import { Unauthorized } from '../../engine/errors.js';
import type { Challenge } from './challenge.js';
import { errorFrom, RegistryError } from './errors.js';
import { readBody, send, TransportError } from './http.js';
import type { Endpoint } from './endpoint.js';
import type { AuthConfig } from './types.js';

/**
 * Tokens of the Bearer flow, shared by every pull of the daemon: one per (realm,
 * service, credential, scope). A token is reused until shortly before it expires; a 401
 * with a cached token drops it (`invalidate`) and the next request fetches a new one.
 */
export class TokenCache {
  private readonly tokens = new Map<string, { token: string; until: number }>();
  /** Fetches under way, so parallel transfers needing the same token ask the token server once. */
  private readonly fetching = new Map<string, Promise<string>>();

  get(key: string): string | undefined {
    const t = this.tokens.get(key);
    if (t && t.until > Date.now()) return t.token;
    this.tokens.delete(key);
    return undefined;
  }

  set(key: string, token: string, ttlSec: number): void {
    // Ten seconds of margin, so a token does not expire in flight.
    this.tokens.set(key, { token, until: Date.now() + Math.max(0, ttlSec - 10) * 1000 });
  }

  /** Forget the token for `key`: any, or only `refused` (a fresher one may have replaced it). */
  invalidate(key: string, refused?: string): void {
    if (refused === undefined || this.tokens.get(key)?.token === refused) this.tokens.delete(key);
  }

  /** The cached token, else one from `fetch`, shared with every caller asking while it runs. */
  obtain(key: string, fetch: () => Promise<{ token: string; ttl: number }>): Promise<string> {
    const cached = this.get(key);
    if (cached) return Promise.resolve(cached);
    let pending = this.fetching.get(key);
    if (!pending) {
      pending = fetch()
        .then(({ token, ttl }) => { this.set(key, token, ttl); return token; })
        .finally(() => this.fetching.delete(key));
      this.fetching.set(key, pending);
    }
    return pending;
  }
}

/** Token servers may omit expires_in; the distribution spec says assume 60 seconds. */
const DEFAULT_TOKEN_TTL = 60;

/** distribution's ErrNoBasicAuthCredentials. */
export const NO_BASIC_AUTH = 'no basic auth credentials';

/**
 * The Authorization header for a registry, given the challenge its `/v2/` answered
 * with: Basic with the user's credentials, or a Bearer token fetched from the
 * challenge's realm for the scopes of the request (`repository:library/busybox:pull`).
 */
export class Authorizer {
  constructor(
    private readonly endpoint: Endpoint,
    private readonly challenge: Challenge | undefined,
    private readonly creds: AuthConfig,
    private readonly cache: TokenCache,
  ) {}

  get scheme(): string | undefined {
    return this.challenge?.scheme;
  }

  /** The header for a request needing `scopes`, or undefined when the registry wants none. */
  async header(scopes: string[], url: string, method = 'GET'): Promise<string | undefined> {
    const { username, password } = credentials(this.creds);
    if (this.challenge?.scheme === 'basic') {
      // Go's url.Error names the request's method as its Op: `Head "…": …`.
      if (!username && !password) throw new Unauthorized(`${method[0]}${method.slice(1).toLowerCase()} "${url}": ${NO_BASIC_AUTH}`);
      return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    }
    if (this.challenge?.scheme !== 'bearer') return undefined;
    if (this.creds.registrytoken) return `Bearer ${this.creds.registrytoken}`;
    return `Bearer ${await this.cache.obtain(this.key(scopes), () => this.fetchToken(scopes, url))}`;
  }

  /**
   * Forget the token for `scopes`: the registry refused it (`refused`, the header
   * sent). Parallel transfers refused the same token drop it once, not the fresh
   * token the first of them already fetched.
   */
  invalidate(scopes: string[], refused?: string): void {
    this.cache.invalidate(this.key(scopes), refused?.replace(/^Bearer /, ''));
  }

  /**
   * The cache key: realm, service, scopes and the whole credential (hashed), not just
   * the user name. The cache is the daemon's, shared by every client: a token fetched
   * with alice's password must not serve a request that names alice with another
   * password or a stale identity token.
   */
  private key(scopes: string[]): string {
    const p = this.challenge?.params ?? {};
    const { username, password } = credentials(this.creds);
    const secret = createHash('sha256').update(JSON.stringify([username ?? '', password ?? '', this.creds.identitytoken ?? ''])).digest('hex');
    return [p['realm'], p['service'], secret, [...scopes].sort().join(' ')].join('|');
  }

  private async fetchToken(scopes: string[], url: string): Promise<{ token: string; ttl: number }> {
    const p = this.challenge!.params;
    const realm = p['realm'];
    if (!realm) throw new Unauthorized(`Get "${url}": the registry's Bearer challenge has no realm`);
    const { username, password } = credentials(this.creds);
    // Parameters in the order Go's url.Values encodes them (sorted by name), as dockerd sends them.
    const q = new URLSearchParams();
    let res;
    try {
      if (this.creds.identitytoken) {
        // The OAuth2 refresh-token grant, as dockerd does with a stored identity token
        // (scopes space-separated in one field, as OAuth2 has them).
        q.set('client_id', 'docker');
        q.set('grant_type', 'refresh_token');
        q.set('refresh_token', this.creds.identitytoken);
        if (scopes.length) q.set('scope', scopes.join(' '));
        if (p['service']) q.set('service', p['service']);
        res = await send({ method: 'POST', url: realm, body: q.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' }, tls: this.tlsFor(realm) });
      } else {
        if (username) q.set('account', username);
        for (const s of scopes) q.append('scope', s);
        if (p['service']) q.set('service', p['service']);
        const headers = username || password ? { authorization: `Basic ${Buffer.from(`${username ?? ''}:${password ?? ''}`).toString('base64')}` } : undefined;
        res = await send({ method: 'GET', url: `${realm}${realm.includes('?') ? '&' : '?'}${q}`, headers, tls: this.tlsFor(realm) });
      }
    } catch (err) {
      // dockerd's words: the registry request that needed the token, then the token request's failure.
      if (err instanceof TransportError) throw new TransportError(`Get "${url}": ${err.message}`, url, { cause: err });
      throw err;
    }
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299) throw await tokenError(res, url);
    let body: { token?: string; access_token?: string; expires_in?: number };
    try {
      body = JSON.parse((await readBody(res, 1 << 20, 'token response')).toString('utf8')) as typeof body;
    } catch (err) {
      if (err instanceof TransportError) throw err;
      throw new Error(`Get "${url}": unable to decode token response: ${(err as Error).message}`);
    }
    const token = body?.token || body?.access_token;
    if (!token) throw new Error(`Get "${url}": authorization server did not include a token in the response`);
    return { token, ttl: typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_TOKEN_TTL };
  }


  /** The registry's own TLS settings also apply to a token realm on the same host. */
  private tlsFor(realm: string): Endpoint['tls'] {
    return new URL(realm).host === new URL(this.endpoint.base).host ? this.endpoint.tls : undefined;
  }
}

/** Username and password, from the fields or from `auth` (`base64(user:pass)`). */
export function credentials(c: AuthConfig): { username?: string; password?: string } {
  if (c.username || c.password) return { username: c.username, password: c.password };
  if (c.auth) {
    const s = Buffer.from(c.auth, 'base64').toString('utf8');
    const i = s.indexOf(':');
    if (i > 0) return { username: s.slice(0, i), password: s.slice(i + 1) };
  }
  return {};
}

/**
 * A token server's refusal as dockerd reads it (distribution's HandleErrorResponse):
 * a 4xx with registry errors or Docker Hub's `{"details"}` (401 unauthorized, 403
 * denied, 429 toomanyrequests); anything else is an unexpected status. Only a 401 is
 * an authentication failure.
 */
async function tokenError(res: IncomingMessage, url: string): Promise<Error> {
  const status = res.statusCode ?? 0;
  if (status < 400 || status > 499) {
    res.resume();
    return new Error(`Get "${url}": received unexpected HTTP status: ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd());
  }
  const err = await errorFrom(res);
  let message = err.message;
  const detail = detailsOf(err.detail);
  if (detail !== undefined) message = new RegistryError(status, status === 401 ? 'UNAUTHORIZED' : status === 403 ? 'DENIED' : status === 429 ? 'TOOMANYREQUESTS' : 'UNKNOWN', detail).message;
  return status === 401 ? new Unauthorized(`Get "${url}": ${message}`, { cause: err }) : new Error(`Get "${url}": ${message}`);
}

/** `{"details": "..."}` (Docker Hub's token server errors), when `body` is that. */
function detailsOf(body: string): string | undefined {
  try {
    const d = (JSON.parse(body) as { details?: unknown }).details;
    return typeof d === 'string' && d !== '' ? d : undefined;
  } catch {
    return undefined;
  }
}
