import { InvalidParameter } from '../../engine/errors.js';
import '../../jobs/exec/types.js';
import type { ExecCreateArgs } from '../../jobs/exec/types.js';
import { bool as goBool, checkGoBody, EOF_BODY, str as goStr, stringList, struct, type GoType } from '../go-decode.js';
import { route, type Route, type RouteRequest } from '../route.js';

/**
 * dockerd 20.10's types.ExecConfig, for Go's case-insensitive key matching: docker-py
 * sends `detachKeys` (from its config file's detachKeys), which dockerd takes as DetachKeys.
 */
const execConfig = struct('types.ExecConfig', {
  User: goStr(), Privileged: goBool, Tty: goBool, AttachStdin: goBool, AttachStderr: goBool, AttachStdout: goBool,
  Detach: goBool, DetachKeys: goStr(), Env: stringList, WorkingDir: goStr(), Cmd: stringList,
}) as GoType & { kind: 'struct' };

type Body = Record<string, unknown>;

/** The JSON object of a request, with Go's decoder's words for the wrong shape. */
function objectBody(body: unknown, goType: string): Body {
  if (body === undefined) throw new InvalidParameter(EOF_BODY);
  if (body === null) return {};
  if (typeof body !== 'object') throw new InvalidParameter(`json: cannot unmarshal ${goKind(body)} into Go value of type ${goType}`);
  if (Array.isArray(body)) throw new InvalidParameter(`json: cannot unmarshal array into Go value of type ${goType}`);
  return body as Body;
}

function goKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : typeof v;
}

/** A `[]string` field (null and absent are empty). */
function strings(b: Body, field: string, struct: string): string[] {
  const v = b[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new InvalidParameter(`json: cannot unmarshal ${goKind(v)} into Go struct field ${struct}.${field} of type []string`);
  return v.map((x) => {
    if (typeof x !== 'string') throw new InvalidParameter(`json: cannot unmarshal ${goKind(x)} into Go struct field ${struct}.${field} of type string`);
    return x;
  });
}

function str(b: Body, field: string, struct: string): string {
  const v = b[field];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new InvalidParameter(`json: cannot unmarshal ${goKind(v)} into Go struct field ${struct}.${field} of type string`);
  return v;
}

function bool(b: Body, field: string, struct: string): boolean {
  const v = b[field];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new InvalidParameter(`json: cannot unmarshal ${goKind(v)} into Go struct field ${struct}.${field} of type bool`);
  return v;
}

/** `POST /containers/{id}/exec`: dockerd's router refuses an empty Cmd before looking the container up. */
function createArgs(r: RouteRequest): ExecCreateArgs {
  const b = objectBody(r.body, 'types.ExecConfig');
  checkGoBody(b, execConfig);
  const s = 'ExecConfig';
  const cmd = strings(b, 'Cmd', s);
  const args: ExecCreateArgs = {
    name: r.params.name ?? '',
    cmd,
    attachStdin: bool(b, 'AttachStdin', s),
    attachStdout: bool(b, 'AttachStdout', s),
    attachStderr: bool(b, 'AttachStderr', s),
    detachKeys: str(b, 'DetachKeys', s),
    tty: bool(b, 'Tty', s),
    env: strings(b, 'Env', s),
    privileged: bool(b, 'Privileged', s),
    user: str(b, 'User', s),
    workingDir: str(b, 'WorkingDir', s),
  };
  if (cmd.length === 0) throw new InvalidParameter('No exec command specified');
  return args;
}

/** Exec routes: create under the container, then start (hijacked), resize and inspect by exec ID. */
export const execRoutes: Route[] = [
  route({ method: 'post', path: '/containers/:name/exec', job: 'exec_create', ok: 201, args: createArgs }),
  route({
    method: 'post', path: '/exec/:id/start', job: 'exec_start', reply: 'hijack', body: 'json',
    args: (r) => {
      const b = objectBody(r.body, 'types.ExecStartCheck');
      return { id: r.params.id ?? '', detach: bool(b, 'Detach', 'ExecStartCheck'), tty: bool(b, 'Tty', 'ExecStartCheck') };
    },
  }),
  route({
    method: 'post', path: '/exec/:id/resize', job: 'exec_resize', reply: 'empty', ok: 200, body: 'none',
    args: (r) => ({ id: r.params.id ?? '', height: r.query.ttySize('h'), width: r.query.ttySize('w') }),
  }),
  route({ method: 'get', path: '/exec/:id/json', job: 'exec_inspect', args: (r) => ({ id: r.params.id ?? '' }) }),
];
