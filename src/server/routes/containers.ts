import { InvalidParameter } from '../../engine/errors.js';
import '../../jobs/containers/types.js';
import type { CreateBody } from '../../jobs/containers/types.js';
import { route, type Route } from '../route.js';

/** The body of `POST /containers/create`: a JSON object, as dockerd's decoder insists. */
function createBody(body: unknown): CreateBody {
  if (body === undefined || body === null) throw new InvalidParameter('config cannot be empty in order to create a container');
  if (typeof body !== 'object' || Array.isArray(body)) throw new InvalidParameter('json: cannot unmarshal into Go value of type container.ContainerConfigWrapper');
  return body as CreateBody;
}

/** Container routes; literal paths (`/containers/json`, `/containers/create`) come before `:name` ones. */
export const containerRoutes: Route[] = [
  route({
    method: 'get', path: '/containers/json', job: 'container_list',
    args: (r) => ({
      all: r.query.bool('all'), limit: r.query.int('limit', 0) ?? 0, size: r.query.bool('size'), filters: r.query.filters(),
    }),
  }),
  route({
    method: 'post', path: '/containers/create', job: 'container_create', ok: 201,
    args: (r) => ({ name: r.query.string('name') ?? '', body: createBody(r.body) }),
  }),
  route({
    method: 'get', path: '/containers/:name/json', job: 'container_inspect',
    args: (r) => ({ name: r.params.name ?? '', size: r.query.bool('size') }),
  }),
  route({
    method: 'post', path: '/containers/:name/rename', job: 'container_rename', reply: 'empty',
    args: (r) => ({ name: r.params.name ?? '', newName: r.query.string('name') ?? '' }),
  }),
  route({
    method: 'delete', path: '/containers/:name', job: 'container_delete', reply: 'empty',
    args: (r) => ({ name: r.params.name ?? '', force: r.query.bool('force'), volumes: r.query.bool('v'), link: r.query.bool('link') }),
  }),
];
