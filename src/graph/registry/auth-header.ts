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
