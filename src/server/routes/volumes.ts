import { InvalidParameter } from '../../engine/errors.js';
import '../../jobs/volumes/types.js';
import type { VolumeCreateBody } from '../../jobs/volumes/types.js';
import { route, type Route } from '../route.js';
import { checkGoBody } from '../go-decode.js';
import { volumeCreateBody } from './go-types.js';

/** The body of `POST /volumes/create`: a JSON object (empty means an anonymous volume). */
function createBody(body: unknown): VolumeCreateBody {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new InvalidParameter('json: cannot unmarshal into Go value of type volume.VolumeCreateBody');
  checkGoBody(body, volumeCreateBody);
  return body as VolumeCreateBody;
}

/** Volume routes; literal paths (`/volumes/create`, `/volumes/prune`) come before `:name`. */
export const volumeRoutes: Route[] = [
  route({ method: 'get', path: '/volumes', job: 'volume_list', args: (r) => ({ filters: r.query.filters() }) }),
  route({ method: 'post', path: '/volumes/create', job: 'volume_create', ok: 201, args: (r) => ({ body: createBody(r.body) }) }),
  route({ method: 'post', path: '/volumes/prune', job: 'volume_prune', args: (r) => ({ filters: r.query.filters() }) }),
  route({ method: 'get', path: '/volumes/:name', job: 'volume_inspect', args: (r) => ({ name: r.params.name ?? '' }) }),
  route({
    method: 'delete', path: '/volumes/:name', job: 'volume_delete', reply: 'empty',
    args: (r) => ({ name: r.params.name ?? '', force: r.query.bool('force') }),
  }),
];
