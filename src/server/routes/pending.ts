import '../../jobs/system/types.js';
import { route, type Route } from '../route.js';

type Method = Route['method'];

/**
 * A route of the Engine API v1.41 that berth does not serve yet: 501 with a message
 * naming the feature and the call. The body is left unread, so a build context or an
 * archive upload is not parsed as JSON just to be refused.
 */
function pending(method: Method, path: string, feature: string): Route {
  const call = `${method.toUpperCase()} ${path.replace(/[:*](\w+)/g, '{$1}')}`;
  const what = `${feature} (${call})`;
  return route({ method, path, job: 'not_implemented', body: 'none', args: () => ({ what }) });
}

/**
 * Every v1.41 route no area serves yet. Installed LAST in the table: an area that
 * starts serving one of these paths wins by coming first (exact paths are matched
 * before patterns, first entry first), and the line here can then go.
 */
export const pendingRoutes: Route[] = [
  // build
  pending('post', '/session', 'build sessions'),
  pending('post', '/grpc', 'the gRPC build endpoint'),
];
