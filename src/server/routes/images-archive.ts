import '../../jobs/images/load.js';
import '../../jobs/images/save.js';
import '../../jobs/images/import.js';
import { InvalidParameter } from '../../engine/errors.js';
import type { ImageImportArgs } from '../../jobs/images/import.js';
import { route, type Route, type RouteRequest } from '../route.js';

/** `POST /images/create?fromSrc=` (import): its arguments. */
export function importArgs(r: RouteRequest): ImageImportArgs {
  const src = r.query.string('fromSrc');
  if (src === undefined || src === '') throw new InvalidParameter('either fromSrc or fromImage must be given');
  return {
    src,
    repo: r.query.string('repo') || undefined,
    tag: r.query.string('tag') || undefined,
    changes: r.query.all('changes'),
    message: r.query.string('message') || undefined,
    platform: r.query.string('platform') || undefined,
  };
}

/**
 * docker-archive load and save. Import's `POST /images/create` is also the pull call
 * (`fromImage`), so its one route is the registry area's (./registry.ts), built with
 * `importArgs` above when there is no `fromImage`.
 */
export const imagesArchiveRoutes: Route[] = [
  route({
    method: 'post', path: '/images/load', job: 'image_load', body: 'stream', reply: 'json-stream',
    args: (r) => ({ quiet: r.query.bool('quiet') }),
  }),
  route({
    method: 'get', path: '/images/get', job: 'image_save', reply: 'binary', contentType: 'application/x-tar',
    args: (r) => {
      const names = r.query.all('names').filter((n) => n !== '');
      if (names.length === 0) throw new InvalidParameter('no image names given to save');
      return { names };
    },
  }),
  route({
    method: 'get', path: '/images/*name/get', job: 'image_save', reply: 'binary', contentType: 'application/x-tar',
    args: (r) => ({ names: [r.params.name!] }),
  }),
];
