import { InvalidParameter } from '../../engine/errors.js';
import '../../jobs/containers/types.js';
import '../../jobs/containers/lifecycle-types.js';
import type { AttachArgs, WaitCondition } from '../../jobs/containers/lifecycle-types.js';
import { parseDetachKeys } from '../../jobs/containers/detach-keys.js';
import type { CreateBody } from '../../jobs/containers/types.js';
import type { IncomingHttpHeaders } from 'node:http';
import { route, type Route, type RouteRequest } from '../route.js';
import { compareVersions } from '../version.js';
import { checkGoBody } from '../go-decode.js';
import { containerConfigWrapper } from './go-types.js';
import { withTopLevelHostConfig } from './create-host-config.js';

/** The body of `POST /containers/create`: a JSON object, as dockerd's decoder insists. */
function createBody(body: unknown): CreateBody {
  if (body === undefined || body === null) throw new InvalidParameter('config cannot be empty in order to create a container');
  checkGoBody(body, containerConfigWrapper);
  return withTopLevelHostConfig(body as CreateBody);
}

/** `t` of stop and restart: seconds, absent for the container's own StopTimeout. */
function timeoutOf(raw: number | undefined): number | null {
  return raw === undefined ? null : raw;
}

const WAIT_CONDITIONS: readonly WaitCondition[] = ['not-running', 'next-exit', 'removed'];

/** dockerd 20.10 waits for not-running on any condition it does not know (no error). */
function waitCondition(raw: string | undefined): WaitCondition {
  if (!raw || !(WAIT_CONDITIONS as readonly string[]).includes(raw)) return 'not-running';
  return raw as WaitCondition;
}

/**
 * Whether a start carries a body, as dockerd tells it: more than 7 bytes (the
 * shortest JSON object worth reading) or a length not given (chunked).
 */
/** An attach's query, with whether stdin can travel (`withStdin`) and the streams unmultiplexed (`raw`). */
function attachArgs(r: RouteRequest, withStdin: boolean, raw: boolean): AttachArgs {
  return {
    name: r.params.name ?? '',
    stream: r.query.bool('stream'),
    logs: r.query.bool('logs'),
    stdin: r.query.bool('stdin') && withStdin,
    stdout: r.query.bool('stdout'),
    stderr: r.query.bool('stderr'),
    detachKeys: parseDetachKeys(r.query.string('detachKeys')),
    ...(raw ? { raw } : {}),
  };
}

function startBody(h: IncomingHttpHeaders): boolean {
  const length = h['content-length'];
  if (length === undefined) return h['transfer-encoding'] !== undefined;
  return Number(length) > 7;
}

/** Container routes; literal paths (`/containers/json`, `/containers/create`) come before `:name` ones. */
export const containerRoutes: Route[] = [
  route({
    method: 'get', path: '/containers/json', job: 'container_list', reply: 'binary', contentType: 'application/json',
    args: (r) => ({
      all: r.query.bool('all'), limit: r.query.int('limit', 0) ?? 0, size: r.query.bool('size'), filters: r.query.filters(),
    }),
  }),
  route({
    method: 'post', path: '/containers/create', job: 'container_create', ok: 201,
    args: (r) => ({ name: r.query.string('name') ?? '', body: createBody(r.body), platform: r.query.string('platform') ?? '' }),
  }),
  route({
    method: 'get', path: '/containers/*name/json', job: 'container_inspect',
    args: (r) => ({ name: r.params.name ?? '', size: r.query.bool('size') }),
  }),
  route({
    method: 'post', path: '/containers/:name/rename', job: 'container_rename', reply: 'empty',
    args: (r) => ({ name: r.params.name ?? '', newName: r.query.string('name') ?? '' }),
  }),
  route({
    method: 'delete', path: '/containers/*name', job: 'container_delete', reply: 'empty',
    args: (r) => ({ name: r.params.name ?? '', force: r.query.bool('force'), volumes: r.query.bool('v'), link: r.query.bool('link') }),
  }),
  route({
    method: 'post', path: '/containers/:name/start', job: 'container_start', reply: 'empty', body: 'none',
    args: (r) => ({ name: r.params.name ?? '', hostConfig: compareVersions(r.version, '1.24') >= 0 && startBody(r.headers) }),
  }),
  route({
    method: 'post', path: '/containers/:name/stop', job: 'container_stop', reply: 'empty',
    args: (r) => ({ name: r.params.name ?? '', timeout: timeoutOf(r.query.int('t')) }),
  }),
  route({
    method: 'post', path: '/containers/:name/restart', job: 'container_restart', reply: 'empty',
    args: (r) => ({ name: r.params.name ?? '', timeout: timeoutOf(r.query.int('t')) }),
  }),
  route({
    method: 'post', path: '/containers/:name/kill', job: 'container_kill', reply: 'empty',
    args: (r) => ({ name: r.params.name ?? '', signal: r.query.string('signal') ?? '' }),
  }),
  route({
    method: 'post', path: '/containers/:name/wait', job: 'container_wait', reply: 'binary', contentType: 'application/json', body: 'none',
    args: (r) => ({ name: r.params.name ?? '', condition: waitCondition(r.query.string('condition')) }),
  }),
  route({
    method: 'post', path: '/containers/:name/attach', job: 'container_attach', reply: 'hijack', body: 'none',
    // stdin travels only on a hijacked (upgraded) connection.
    args: (r) => attachArgs(r, r.headers.upgrade !== undefined, false),
  }),
  route({
    // As dockerd's: the streams unmultiplexed, stdin from the client's messages.
    method: 'get', path: '/containers/:name/attach/ws', job: 'container_attach', reply: 'websocket', body: 'none',
    args: (r) => attachArgs(r, true, true),
  }),
  route({
    method: 'post', path: '/containers/:name/resize', job: 'container_resize', reply: 'empty', ok: 200, body: 'none',
    args: (r) => ({ name: r.params.name ?? '', height: r.query.ttySize('h'), width: r.query.ttySize('w') }),
  }),
];
