import { InvalidParameter } from '../../engine/errors.js';
import '../../jobs/images/types.js';
import type { Filters } from '../query.js';
import { route, type Route, type RouteRequest } from '../route.js';

/** An image name from the path; `*name` wildcards keep the `/` of `localhost:5000/a/b`. */
function nameOf(r: RouteRequest): string {
  const name = r.params.name ?? '';
  if (name === '') throw new InvalidParameter('image name cannot be blank');
  return name;
}

/** `filters`, plus the legacy `filter=<reference pattern>` that dockerd honours below API 1.41. */
function listFilters(r: RouteRequest): Filters {
  const filters = r.query.filters();
  const legacy = r.query.string('filter');
  const minor = Number(r.version.split('.')[1] ?? 41);
  if (legacy && minor < 41) filters.reference = [...(filters.reference ?? []), legacy];
  return filters;
}

/**
 * Image routes. Literal paths (`/images/json`, `/images/prune`) are matched exactly
 * before any wildcard, so an image cannot shadow them; among the wildcards the
 * suffixed ones come first so that `DELETE /images/*name` does not swallow them.
 */
export const imageRoutes: Route[] = [
  route({
    // `docker images` and clients' polls ask this without a query: the front door answers those.
    method: 'get', path: '/images/json', job: 'image_list', quick: true,
    args: (r) => ({ all: r.query.bool('all'), digests: r.query.bool('digests'), filters: listFilters(r) }),
  }),
  route({ method: 'post', path: '/images/prune', job: 'image_prune', args: (r) => ({ filters: r.query.filters() }) }),
  route({ method: 'get', path: '/images/*name/json', job: 'image_inspect', args: (r) => ({ name: nameOf(r) }) }),
  route({ method: 'get', path: '/images/*name/history', job: 'image_history', args: (r) => ({ name: nameOf(r) }) }),
  route({
    method: 'post', path: '/images/*name/tag', job: 'image_tag', ok: 201, reply: 'empty',
    args: (r) => ({ name: nameOf(r), repo: r.query.string('repo') ?? '', tag: r.query.string('tag') ?? '' }),
  }),
  route({
    method: 'delete', path: '/images/*name', job: 'image_delete',
    args: (r) => ({ name: nameOf(r), force: r.query.bool('force'), noprune: r.query.bool('noprune') }),
  }),
];
