import { InvalidParameter } from '../../engine/errors.js';
import '../../jobs/containers/runtime-types.js';
import type { UpdateBody } from '../../jobs/containers/runtime-types.js';
import type { Query } from '../query.js';
import { route, type Route } from '../route.js';
import { compareVersions } from '../version.js';
import { checkGoBody } from '../go-decode.js';
import { updateConfig } from './go-types.js';

/**
 * dockerd's BoolValueOrDefault: absent is the default; present, anything but
 * "", "0", "no", "false" and "none" (any case) is true.
 */
function goBool(q: Query, name: string, dflt: boolean): boolean {
  if (!q.has(name)) return dflt;
  const v = (q.string(name) ?? '').trim().toLowerCase();
  return !['', '0', 'no', 'false', 'none'].includes(v);
}

const goType = (v: unknown): string => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v === 'boolean' ? 'bool' : typeof v);

/**
 * The body of `POST /containers/{id}/update`. An empty or mistyped body gets Go's
 * decoder words as dockerd's, but as a 400 (dockerd leaves them unclassified: 500):
 * bad input is the client's, and berth says so.
 */
function updateBody(body: unknown, version: string): UpdateBody {
  if (body === undefined) throw new InvalidParameter('EOF');
  if (body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidParameter(`json: cannot unmarshal ${goType(body)} into Go value of type container.UpdateConfig`);
  }
  const b = body as Record<string, unknown>;
  checkGoBody(b, updateConfig);
  const u = { ...b } as UpdateBody;
  // As dockerd's router: PidsLimit came with API 1.40, and 0 or any negative value means unlimited.
  if (compareVersions(version, '1.40') < 0) delete u.PidsLimit;
  else if (typeof u.PidsLimit === 'number' && u.PidsLimit <= 0) u.PidsLimit = 0;
  return u;
}

/** Routes of the jobs that act on running containers: pause, top, stats, update; and prune. */
export const containerRuntimeRoutes: Route[] = [
  route({ method: 'post', path: '/containers/prune', job: 'container_prune', args: (r) => ({ filters: r.query.filters() }) }),
  route({
    method: 'post', path: '/containers/:name/pause', job: 'container_pause', reply: 'empty', body: 'none',
    args: (r) => ({ name: r.params.name ?? '' }),
  }),
  route({
    method: 'post', path: '/containers/:name/unpause', job: 'container_unpause', reply: 'empty', body: 'none',
    args: (r) => ({ name: r.params.name ?? '' }),
  }),
  route({
    method: 'get', path: '/containers/:name/top', job: 'container_top',
    args: (r) => ({ name: r.params.name ?? '', psArgs: r.query.string('ps_args') ?? '' }),
  }),
  route({
    // dockerd sends a stream without Content-Type and stream=0 as application/json; clients decode both alike.
    method: 'get', path: '/containers/:name/stats', job: 'container_stats', reply: 'binary', contentType: 'application/json',
    args: (r) => {
      const stream = goBool(r.query, 'stream', true);
      // one-shot came with API 1.41; older clients never send it and dockerd ignores it there.
      const oneShot = compareVersions(r.version, '1.41') >= 0 && goBool(r.query, 'one-shot', false);
      if (stream && oneShot) throw new InvalidParameter('cannot have stream=true and one-shot=true');
      return { name: r.params.name ?? '', stream, oneShot, legacy: compareVersions(r.version, '1.21') < 0 };
    },
  }),
  route({
    method: 'post', path: '/containers/:name/update', job: 'container_update',
    args: (r) => ({ name: r.params.name ?? '', body: updateBody(r.body, r.version) }),
  }),
];
