import '../../jobs/system/types.js';
import { InvalidParameter } from '../../engine/errors.js';
import { route, type Route } from '../route.js';
import { parseEventTime } from '../timestamps.js';

/** dockerd's `/_ping` headers: never cached, and the classic builder is the one on offer. */
const PING_HEADERS = {
  'Cache-Control': 'no-cache, no-store, must-revalidate',
  'Pragma': 'no-cache',
  'Builder-Version': '1',
};

/** The daemon itself: liveness, version, host facts, disk usage and the event stream. */
export const systemRoutes: Route[] = [
  route({ method: 'get', path: '/_ping', job: 'system_ping', reply: 'text', headers: PING_HEADERS, quick: true, porch: true, args: () => ({}) }),
  route({ method: 'head', path: '/_ping', job: 'system_ping', reply: 'text', headers: PING_HEADERS, quick: true, porch: true, args: () => ({}) }),
  route({ method: 'get', path: '/version', job: 'system_version', args: () => ({}) }),
  route({ method: 'get', path: '/info', job: 'system_info', args: () => ({}) }),
  route({ method: 'get', path: '/system/df', job: 'system_df', args: () => ({}) }),
  route({
    method: 'get', path: '/events', job: 'system_events', reply: 'json-stream',
    args: (r) => {
      const since = r.query.string('since');
      const until = r.query.string('until');
      const sinceNs = parseEventTime(since);
      const untilNs = parseEventTime(until);
      if (sinceNs !== null && untilNs !== null && untilNs < sinceNs) {
        throw new InvalidParameter(`\`since\` time (${since}) cannot be after \`until\` time (${until})`);
      }
      return { sinceNs, untilNs, filters: r.query.filters() };
    },
  }),
  // dockerd answers any OPTIONS (a CORS preflight) with an empty 200.
  route({ method: 'options', path: '/*any', job: 'system_ping', reply: 'empty', ok: 200, body: 'none', args: () => ({}) }),
];
