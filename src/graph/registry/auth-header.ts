import type { AuthConfig } from './types.js';

/**
 * The `X-Registry-Auth` header of pull and push: base64url (padding optional, and
 * plain base64 accepted, as dockerd does) of a JSON AuthConfig. An unreadable header
 * is treated as no credentials, which is what dockerd does too.
 */
export function decodeRegistryAuth(header: string | string[] | undefined): AuthConfig {
  const v = Array.isArray(header) ? header[0] : header;
  if (!v) return {};
  try {
    const json = Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
    const parsed = JSON.parse(json) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? pick(parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * The `X-Registry-Config` header of a build: base64url of a JSON map from registry
 * (`https://index.docker.io/v1/`, `host:port`) to AuthConfig, every credential the
 * client holds, for the images FROM pulls. Unreadable means none, as dockerd.
 */
export function decodeRegistryConfig(header: string | string[] | undefined): Record<string, AuthConfig> {
  const v = Array.isArray(header) ? header[0] : header;
  if (!v) return {};
  try {
    const parsed = JSON.parse(Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8')) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    const out: Record<string, AuthConfig> = {};
    for (const [k, c] of Object.entries(parsed as Record<string, unknown>)) {
      if (c && typeof c === 'object' && !Array.isArray(c)) out[k] = pick(c as Record<string, unknown>);
    }
    return out;
  } catch {
    return {};
  }
}

function pick(o: Record<string, unknown>): AuthConfig {
  const out: AuthConfig = {};
  for (const k of ['username', 'password', 'email', 'serveraddress', 'identitytoken', 'registrytoken', 'auth'] as const) {
    if (typeof o[k] === 'string' && o[k] !== '') out[k] = o[k] as string;
  }
  return out;
}

export function encodeRegistryAuth(c: AuthConfig): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}
