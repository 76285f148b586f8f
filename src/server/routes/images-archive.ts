import '../../jobs/images/load.js';
import '../../jobs/images/save.js';
import '../../jobs/images/import.js';
import { InvalidParameter, NotImplemented } from '../../engine/errors.js';
import type { ImageImportArgs } from '../../jobs/images/import.js';
import { route, type Route, type RouteRequest } from '../route.js';

/**
 * `POST /images/create?fromSrc=` (import). The daemon's table serves this path through
 * the registry area's route (./registry.ts), which pulls on `fromImage` and hands
 * everything else here.
 */
export function importArgs(r: RouteRequest): ImageImportArgs {
  const src = r.query.string('fromSrc');
  if (src === undefined || src === '') {
    if (r.query.string('fromImage')) throw new NotImplemented('pulling images is not implemented yet');
    throw new InvalidParameter('either fromSrc or fromImage must be given');
  }
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
 * docker-archive load and save, and import. `POST /images/create` is also the pull
 * route (`fromImage`): in the daemon's table the registry's route comes first and
 * serves both; this one serves import alone (tests of this table).
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
  route({
    method: 'post', path: '/images/create', job: 'image_import', body: 'stream', reply: 'json-stream',
    args: importArgs,
  }),
];
