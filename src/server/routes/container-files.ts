import { InvalidParameter, NotFound } from '../../engine/errors.js';
import '../../jobs/containers/files-types.js';
import type { ContainerConfig } from '../../graph/types.js';
import { route, type Route, type RouteRequest } from '../route.js';
import { checkGoBody } from '../go-decode.js';
import { containerConfigWrapper } from './go-types.js';
import { compareVersions } from '../version.js';

/** The `path` query of the archive routes, refused when empty in dockerd's (typo'd) words. */
function archivePath(r: RouteRequest): string {
  const p = r.query.string('path') ?? '';
  if (p === '') throw new InvalidParameter('bad parameter: pathcannot be empty');
  return p;
}

/**
 * The body of `POST /commit`: a ContainerConfig, or nothing. As dockerd's decoder, a
 * body that sets no config field (empty, `null`, `{}`, only HostConfig) means "the
 * container's own config".
 */
function commitConfig(body: unknown): ContainerConfig | null {
  if (body === undefined || body === null) return null;
  checkGoBody(body, containerConfigWrapper);
  const { HostConfig: _h, NetworkingConfig: _n, ...config } = body as Record<string, unknown>;
  return Object.keys(config).length > 0 ? (config as ContainerConfig) : null;
}

const atLeast = (r: RouteRequest, v: string): boolean => compareVersions(r.version, v) >= 0;

/** `docker cp` (the archive API and the old copy call), export, diff and commit. */
export const containerFileRoutes: Route[] = [
  // The stat is a reply header: the job sets it on its stdout, so HEAD streams an empty body.
  route({
    method: 'head', path: '/containers/:name/archive', job: 'container_archive_stat', reply: 'binary',
    args: (r) => ({ name: r.params.name ?? '', path: archivePath(r) }),
  }),
  route({
    method: 'get', path: '/containers/:name/archive', job: 'container_archive_get', reply: 'binary', contentType: 'application/x-tar',
    args: (r) => ({ name: r.params.name ?? '', path: archivePath(r) }),
  }),
  route({
    method: 'put', path: '/containers/:name/archive', job: 'container_archive_put', body: 'stream', reply: 'empty', ok: 200,
    args: (r) => ({
      name: r.params.name ?? '', path: archivePath(r),
      noOverwriteDirNonDir: r.query.bool('noOverwriteDirNonDir'), copyUIDGID: r.query.bool('copyUIDGID'),
    }),
  }),
  route({
    method: 'post', path: '/containers/:name/copy', job: 'container_archive_get', reply: 'binary', contentType: 'application/x-tar',
    args: (r) => {
      // Gone since API 1.24 (dockerd answers a bare 404 there).
      if (atLeast(r, '1.24')) throw new NotFound('page not found');
      const body = r.body as { Resource?: unknown } | undefined;
      if (body === undefined) throw new InvalidParameter('got EOF while reading request body');
      if (typeof body?.Resource !== 'string' || body.Resource === '') throw new InvalidParameter('Path cannot be empty');
      return { name: r.params.name ?? '', path: body.Resource, legacy: true };
    },
  }),
  route({
    method: 'get', path: '/containers/:name/export', job: 'container_export', reply: 'binary', contentType: 'application/x-tar',
    args: (r) => ({ name: r.params.name ?? '' }),
  }),
  route({
    method: 'get', path: '/containers/:name/changes', job: 'container_changes',
    args: (r) => ({ name: r.params.name ?? '' }),
  }),
  route({
    method: 'post', path: '/commit', job: 'container_commit', ok: 201,
    args: (r) => ({
      container: r.query.string('container') ?? '',
      repo: r.query.string('repo') ?? '',
      tag: r.query.string('tag') ?? '',
      comment: r.query.string('comment') ?? '',
      author: r.query.string('author') ?? '',
      // Unset means pause from API 1.13 on, as in dockerd.
      pause: r.query.bool('pause', atLeast(r, '1.13')),
      changes: r.query.all('changes'),
      config: commitConfig(r.body),
    }),
  }),
];
