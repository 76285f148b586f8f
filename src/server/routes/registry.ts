import '../../jobs/registry/types.js';
import { InvalidParameter } from '../../engine/errors.js';
import { decodeRegistryAuth } from '../../graph/registry/auth-header.js';
import type { AuthConfig } from '../../graph/registry/types.js';
import { route, type Route } from '../route.js';
import { importArgs } from './images-archive.js';

/** `POST /auth`'s body: an AuthConfig object. */
function authBody(body: unknown): AuthConfig {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new InvalidParameter('invalid auth configuration: a JSON object is required');
  const out: AuthConfig = {};
  const b = body as Record<string, unknown>;
  for (const k of ['username', 'password', 'email', 'serveraddress', 'identitytoken', 'registrytoken', 'auth'] as const) {
    if (b[k] !== undefined && typeof b[k] !== 'string') throw new InvalidParameter(`invalid auth configuration: ${k} must be a string`);
    if (typeof b[k] === 'string') out[k] = b[k] as string;
  }
  return out;
}

/**
 * Registry routes: pull (and, on the same path, import; see images-archive.ts) and
 * login. Installed before the images-archive table so that this route wins.
 */
export const registryRoutes: Route[] = [
  route({
    method: 'post', path: '/images/create', job: 'image_create', body: 'stream', reply: 'json-stream',
    args: (r) => {
      const image = r.query.string('fromImage');
      if (!image) return { import: importArgs(r) };
      return {
        pull: {
          image,
          tag: r.query.string('tag') ?? '',
          platform: r.query.string('platform') || undefined,
          auth: decodeRegistryAuth(r.headers['x-registry-auth']),
        },
      };
    },
  }),
  route({ method: 'post', path: '/auth', job: 'auth', args: (r) => authBody(r.body) }),
];
