import '../../jobs/system/types.js';
import type { SwarmCall } from '../../jobs/system/types.js';
import { route, type Route } from '../route.js';

type Method = Route['method'];

function inactive(method: Method, path: string, call: SwarmCall = 'manager'): Route {
  return route({ method, path, job: 'swarm_inactive', body: 'none', args: () => ({ call }) });
}

function plugin(method: Method, path: string): Route {
  return route({ method, path, job: 'plugin_lookup', body: 'none', args: (r) => ({ name: r.params.name ?? '' }) });
}

/**
 * Swarm-mode and plugin routes, answered as by a dockerd that is in no swarm and has
 * no plugins installed: clients that probe them (docker-py leaves the swarm after
 * its network tests, `docker info` lists plugins) get the answers they handle.
 */
export const swarmRoutes: Route[] = [
  inactive('get', '/swarm'),
  inactive('post', '/swarm/init', 'init'),
  inactive('post', '/swarm/join', 'join'),
  inactive('post', '/swarm/leave', 'leave'),
  inactive('post', '/swarm/update'),
  inactive('get', '/swarm/unlockkey'),
  inactive('post', '/swarm/unlock'),
  inactive('get', '/nodes'),
  inactive('get', '/nodes/:id'),
  inactive('delete', '/nodes/:id'),
  inactive('post', '/nodes/:id/update'),
  inactive('get', '/services'),
  inactive('post', '/services/create'),
  inactive('get', '/services/:id'),
  inactive('delete', '/services/:id'),
  inactive('post', '/services/:id/update'),
  inactive('get', '/services/:id/logs'),
  inactive('get', '/tasks'),
  inactive('get', '/tasks/:id'),
  inactive('get', '/tasks/:id/logs'),
  inactive('get', '/secrets'),
  inactive('post', '/secrets/create'),
  inactive('get', '/secrets/:id'),
  inactive('delete', '/secrets/:id'),
  inactive('post', '/secrets/:id/update'),
  inactive('get', '/configs'),
  inactive('post', '/configs/create'),
  inactive('get', '/configs/:id'),
  inactive('delete', '/configs/:id'),
  inactive('post', '/configs/:id/update'),

  route({ method: 'get', path: '/plugins', job: 'plugin_list', args: (r) => ({ filters: r.query.filters() }) }),
  route({
    method: 'get', path: '/plugins/privileges', job: 'not_implemented',
    args: () => ({ what: 'plugin installation (GET /plugins/privileges)' }),
  }),
  route({ method: 'post', path: '/plugins/pull', job: 'not_implemented', body: 'none', args: () => ({ what: 'plugin installation (POST /plugins/pull)' }) }),
  route({
    method: 'post', path: '/plugins/create', job: 'not_implemented', body: 'none',
    args: () => ({ what: 'plugin creation (POST /plugins/create)' }),
  }),
  // Plugin names may carry a registry and a tag (`vieux/sshfs:latest`), hence `*name`.
  plugin('get', '/plugins/*name/json'),
  plugin('post', '/plugins/*name/enable'),
  plugin('post', '/plugins/*name/disable'),
  plugin('post', '/plugins/*name/push'),
  plugin('post', '/plugins/*name/upgrade'),
  plugin('post', '/plugins/*name/set'),
  plugin('delete', '/plugins/*name'),
];
