import '../../jobs/registry/types.js';
import { InvalidParameter } from '../../engine/errors.js';
import { decodeRegistryAuth } from '../../graph/registry/auth-header.js';
import type { AuthConfig } from '../../graph/registry/types.js';
import { unmarshalTypeError } from '../go-decode.js';
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
 * A push's credentials: the X-Registry-Auth header, or else, as dockerd 20.10 still
 * takes them from old clients, an AuthConfig as the body (docker-py sends `{}` when it
 * has none); neither is a 400.
 */
function pushAuth(header: string | string[] | undefined, body: unknown): AuthConfig {
  if (header) return decodeRegistryAuth(header);
  const why = 'Bad parameters and missing X-Registry-Auth: ';
  if (body === undefined) throw new InvalidParameter(`${why}EOF`);
  if (body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw unmarshalTypeError(body, 'types.AuthConfig', why);
  return authBody(body);
}

/** dockerd's default and its Atoi of `limit` (a 400 here, where dockerd lets the parse error be a 500). */
const DEFAULT_SEARCH_LIMIT = 25;

function searchLimit(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_SEARCH_LIMIT;
  if (!/^[+-]?\d+$/.test(raw)) throw new InvalidParameter(`strconv.Atoi: parsing ${JSON.stringify(raw)}: invalid syntax`);
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || Math.abs(n) > 2 ** 63) throw new InvalidParameter(`strconv.Atoi: parsing ${JSON.stringify(raw)}: value out of range`);
  return n;
}

/** An image name from the path (`*name` keeps the `/` of `localhost:5000/a/b`). */
function pathName(params: Record<string, string>): string {
  const name = params['name'] ?? '';
  if (name === '') throw new InvalidParameter('image name cannot be blank');
  return name;
}

/**
 * Registry routes: pull (and, on the same path, import; see images-archive.ts),
 * push, search and login. Installed before the images-archive table so that this route wins.
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
  route({
    method: 'get', path: '/distribution/*name/json', job: 'distribution_inspect',
    args: (r) => ({ name: pathName(r.params), auth: decodeRegistryAuth(r.headers['x-registry-auth']) }),
  }),
  route({
    method: 'post', path: '/images/*name/push', job: 'image_push', body: 'json', reply: 'json-stream',
    args: (r) => ({ name: pathName(r.params), tag: r.query.string('tag') ?? '', auth: pushAuth(r.headers['x-registry-auth'], r.body) }),
  }),
  route({
    method: 'get', path: '/images/search', job: 'image_search',
    args: (r) => ({
      term: r.query.string('term') ?? '',
      limit: searchLimit(r.query.string('limit')),
      filters: r.query.filters(),
      auth: decodeRegistryAuth(r.headers['x-registry-auth']),
    }),
  }),
];
