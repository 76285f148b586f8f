import { kindOf } from '../../engine/errors.js';
import { DEFAULT_DOMAIN } from '../reference.js';
import type { TokenCache } from './auth.js';
import { RegistryClient } from './client.js';
import { RegistryError } from './errors.js';
import type { AuthConfig, RegistrySettings } from './types.js';

/**
 * The registry host a login names, as dockerd's ConvertToHostname: scheme and path
 * dropped; empty or Docker Hub's index addresses mean docker.io.
 */
export function loginHost(serveraddress: string | undefined): string {
  let s = (serveraddress ?? '').trim().replace(/^https?:\/\//, '');
  s = s.split('/')[0] ?? '';
  if (s === '' || s === 'index.docker.io' || s === 'registry-1.docker.io') return DEFAULT_DOMAIN;
  return s;
}

/**
 * `docker login`: GET `/v2/` with the credentials (Basic, or a token fetched with
 * them). 200 is success; anything else fails as dockerd words it, with a 500.
 */
export async function login(creds: AuthConfig, settings: RegistrySettings, tokens: TokenCache): Promise<{ Status: string; IdentityToken: string }> {
  const host = loginHost(creds.serveraddress);
  const client = await RegistryClient.connect(host, { settings, creds, tokens, forPull: false });
  const url = `${client.endpoint.base}/v2/`;
  if (client.auth.scheme === undefined) return { Status: 'Login Succeeded', IdentityToken: '' };
  let status: number;
  try {
    const res = await client.authorized([], { method: 'GET', url }, { retry: false });
    res.resume();
    status = res.statusCode ?? 0;
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    if (kindOf(err) === 'unauthorized' && cause instanceof RegistryError && client.auth.scheme === 'basic') status = 401;
    else throw err;
  }
  if (status === 200) return { Status: 'Login Succeeded', IdentityToken: '' };
  // dockerd's loginV2 answers a refused status with an untyped error, so a 500: the
  // CLI then prints it ("Login did not succeed, error: ..."); a 401 would make it say
  // "Stored credentials invalid or expired" instead.
  throw new Error(`login attempt to ${url} failed with status: ${status} ${statusText(status)}`);
}

function statusText(status: number): string {
  return ({ 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' } as Record<number, string>)[status] ?? '';
}
