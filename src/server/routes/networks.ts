import '../../jobs/networks/types.js';
import type { EndpointSettingsBody, NetworkCreateBody } from '../../jobs/networks/types.js';
import { route, type Route } from '../route.js';
import { EOF_BODY, goStructBody, type GoType } from '../go-decode.js';
import { networkConnect, networkCreateRequest, networkDisconnect } from './go-types.js';

/** dockerd's network routers refuse an empty body (io.EOF) in their words. */
function object<T>(body: unknown, type: GoType & { kind: 'struct' }): T {
  return goStructBody<T>(body, type, EOF_BODY);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** Network routes; literal paths (`/networks/create`, `/networks/prune`) come before `:id`. */
export const networkRoutes: Route[] = [
  route({ method: 'get', path: '/networks', job: 'network_list', args: (r) => ({ filters: r.query.filters() }) }),
  route({ method: 'post', path: '/networks/create', job: 'network_create', ok: 201, args: (r) => ({ body: object<NetworkCreateBody>(r.body, networkCreateRequest) }) }),
  route({ method: 'post', path: '/networks/prune', job: 'network_prune', args: (r) => ({ filters: r.query.filters() }) }),
  route({
    method: 'get', path: '/networks/:id', job: 'network_inspect',
    args: (r) => ({ name: r.params.id ?? '', verbose: r.query.bool('verbose'), scope: r.query.string('scope') ?? '' }),
  }),
  route({ method: 'delete', path: '/networks/:id', job: 'network_delete', reply: 'empty', args: (r) => ({ name: r.params.id ?? '' }) }),
  route({
    method: 'post', path: '/networks/:id/connect', job: 'network_connect', reply: 'empty', ok: 200,
    args: (r) => {
      const b = object<{ Container?: unknown; EndpointConfig?: EndpointSettingsBody | null }>(r.body, networkConnect);
      return { name: r.params.id ?? '', container: str(b.Container), endpoint: b.EndpointConfig ?? null };
    },
  }),
  route({
    method: 'post', path: '/networks/:id/disconnect', job: 'network_disconnect', reply: 'empty', ok: 200,
    args: (r) => {
      const b = object<{ Container?: unknown; Force?: unknown }>(r.body, networkDisconnect);
      return { name: r.params.id ?? '', container: str(b.Container), force: b.Force === true };
    },
  }),
];
