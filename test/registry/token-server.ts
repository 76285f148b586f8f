import { execFileSync } from 'node:child_process';
import { randomBytes, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { tempDir } from '../helpers/daemon.js';

/**
 * A token server for distribution's `auth: token` (the Docker Registry v2 Bearer
 * token spec), on a loopback port, for tests: it checks Basic credentials against
 * its users and answers `{"token", "expires_in"}` with a JWT signed RS256 by a key
 * the test made (openssl), the self-signed certificate in the header's `x5c`, which
 * is also the registry's `rootcertbundle`. Policy: a known user gets every action
 * asked for; anonymous clients get `pull` on repositories outside `private/`; a
 * wrong password is a 401 with Docker Hub's `details` body. `offline_token=true` also
 * gets a refresh token, good for the OAuth2 refresh-token grant (POST).
 */
export interface TokenServer {
  /** The `auth: token` block for the registry's config. */
  registryAuth: { realm: string; service: string; issuer: string; rootcertbundle: string };
  /** Every token request, in order. */
  requests: { account?: string; scopes: string[]; granted: boolean; method: string }[];
  /**
   * Seconds the next tokens stay valid *for the registry* (its `exp`), while
   * `expires_in` still tells the client `advertisedTtl`: a token that expires early.
   * distribution adds 60 s of leeway to `exp`, which this subtracts.
   */
  validFor: number;
  advertisedTtl: number;
  /** When set, every token request gets this answer instead (a broken token server). */
  override?: { status: number; contentType?: string; body: string };
  /** A token with `access` to hand to the registry's own API (the test's writes). */
  mint(access: Access[], ttlSec?: number): string;
  /** A refresh token for `user`, as an earlier `docker login` would have stored it. */
  refreshTokenFor(user: string): string;
}

export interface Access { type: string; name: string; actions: string[] }

const SERVICE = 'berth-test-registry';
const ISSUER = 'berth-test-issuer';
/** distribution's token.Leeway: exp and nbf are checked with this much slack. */
const LEEWAY_SEC = 60;

export async function startTokenServer(t: TestContext, users: Record<string, string>): Promise<TokenServer> {
  const dir = tempDir(t, 'berth-token-');
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath,
    '-days', '2', '-subj', '/CN=berth-test-token-signer'], { stdio: 'ignore' });
  const key = readFileSync(keyPath, 'utf8');
  const der = execFileSync('openssl', ['x509', '-in', certPath, '-outform', 'DER']);
  const x5c = [der.toString('base64')];

  const jwt = (claims: Record<string, unknown>): string => {
    const head = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5c })).toString('base64url');
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const sig = sign('sha256', Buffer.from(`${head}.${body}`), key).toString('base64url');
    return `${head}.${body}.${sig}`;
  };
  const claimsFor = (sub: string, access: Access[], validFor: number): Record<string, unknown> => {
    const now = Math.floor(Date.now() / 1000);
    return {
      iss: ISSUER, sub, aud: SERVICE, iat: now, nbf: now - 5, jti: randomBytes(8).toString('hex'),
      // The registry accepts a token until exp + leeway: it lasts `validFor` seconds from now.
      exp: now + validFor - LEEWAY_SEC,
      access,
    };
  };

  /** Refresh tokens handed out (OAuth2 offline access), by token: the user they stand for. */
  const refresh = new Map<string, string>();

  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname !== '/token') { res.writeHead(404).end(); return; }
    if (ts.override) {
      const o = ts.override;
      ts.requests.push({ scopes: u.searchParams.getAll('scope'), granted: false, method: req.method ?? '' });
      res.writeHead(o.status, { 'content-type': o.contentType ?? 'application/json' }).end(o.body);
      return;
    }
    if (req.method === 'POST') { void oauth(req, res); return; }
    const who = basicUser(req);
    const scopes = u.searchParams.getAll('scope');
    if (who && users[who.user] !== who.password) {
      ts.requests.push({ account: who.user, scopes, granted: false, method: req.method ?? '' });
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ details: 'incorrect username or password' }));
      return;
    }
    const access = scopes.flatMap((s) => grant(s, who?.user));
    ts.requests.push({ account: who?.user, scopes, granted: true, method: req.method ?? '' });
    const token = jwt(claimsFor(who?.user ?? '', access, ts.validFor));
    // `offline_token=true` (docker login) gets a refresh token: the CLI keeps it as
    // its identity token instead of the password.
    let refreshToken: string | undefined;
    if (who && u.searchParams.get('offline_token') === 'true') refresh.set((refreshToken = randomBytes(16).toString('hex')), who.user);
    res.writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ token, access_token: token, expires_in: ts.advertisedTtl, issued_at: new Date().toISOString(), ...(refreshToken ? { refresh_token: refreshToken } : {}) }));
  });

  /** The OAuth2 refresh-token grant: a form POST with grant_type, refresh_token, service and scope. */
  const oauth = async (req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> => {
    let body = '';
    for await (const c of req) body += c;
    const form = new URLSearchParams(body);
    const scopes = form.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
    const user = form.get('grant_type') === 'refresh_token' ? refresh.get(form.get('refresh_token') ?? '') : undefined;
    ts.requests.push({ account: user, scopes, granted: user !== undefined, method: 'POST' });
    if (!user) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ details: 'invalid refresh token' }));
      return;
    }
    const token = jwt(claimsFor(user, scopes.flatMap((sc) => grant(sc, user)), ts.validFor));
    res.writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ access_token: token, expires_in: ts.advertisedTtl, scope: scopes.join(' ') }));
  };
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  t.after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  const port = (server.address() as AddressInfo).port;

  const ts: TokenServer = {
    registryAuth: { realm: `http://127.0.0.1:${port}/token`, service: SERVICE, issuer: ISSUER, rootcertbundle: certPath },
    requests: [],
    validFor: 300,
    advertisedTtl: 300,
    mint: (access, ttlSec = 3600) => jwt(claimsFor('test-writer', access, ttlSec)),
    refreshTokenFor: (user) => {
      const token = randomBytes(16).toString('hex');
      refresh.set(token, user);
      return token;
    },
  };
  return ts;
}

function basicUser(req: IncomingMessage): { user: string; password: string } | undefined {
  const m = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return undefined;
  const s = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = s.indexOf(':');
  return i < 0 ? undefined : { user: s.slice(0, i), password: s.slice(i + 1) };
}

/** `repository:private/busybox:pull,push` → what the policy grants for it. */
function grant(scope: string, user: string | undefined): Access[] {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last <= first) return [];
  const type = scope.slice(0, first);
  const name = scope.slice(first + 1, last);
  const asked = scope.slice(last + 1).split(',').filter(Boolean);
  const actions = user ? asked : type === 'repository' && !name.startsWith('private/') ? asked.filter((a) => a === 'pull') : [];
  return actions.length ? [{ type, name, actions }] : [];
}
