import '../../jobs/volumes/types.js';
import type { VolumeCreateBody } from '../../jobs/volumes/types.js';
import { route, type Route } from '../route.js';
import { EOF_BODY, goStructBody } from '../go-decode.js';
import { volumeCreateBody } from './go-types.js';

/** The body of `POST /volumes/create`: a JSON object (`null` or `{}` for an anonymous volume; no body is refused, as dockerd does). */
function createBody(body: unknown): VolumeCreateBody {
  return goStructBody<VolumeCreateBody>(body, volumeCreateBody, EOF_BODY);
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
