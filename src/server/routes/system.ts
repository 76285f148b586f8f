import { route, type Route } from '../route.js';

export const systemRoutes: Route[] = [
  route({ method: 'get', path: '/_ping', job: 'system_ping', reply: 'text', args: () => ({}) }),
  route({ method: 'head', path: '/_ping', job: 'system_ping', reply: 'text', args: () => ({}) }),
];
