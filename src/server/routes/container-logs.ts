import { InvalidParameter } from '../../engine/errors.js';
import '../../jobs/containers/logs-types.js';
import { route, type Route } from '../route.js';

/**
 * `GET /containers/{id}/logs`. The stream choice is checked here, before the job, as
 * dockerd does: once the stream has started no error can change the status.
 * Content-Type: dockerd 20.10 sets none on this route (Go then sends none either);
 * berth's streaming replies always carry one, so it is the raw-stream type that
 * dockerd sends from API 1.42 on for TTY containers. Clients pick the framing from
 * the container's Config.Tty, never from this header.
 */
export const containerLogsRoutes: Route[] = [
  route({
    method: 'get', path: '/containers/:name/logs', job: 'container_logs', reply: 'binary',
    contentType: 'application/vnd.docker.raw-stream',
    args: (r) => {
      const stdout = r.query.bool('stdout');
      const stderr = r.query.bool('stderr');
      if (!stdout && !stderr) throw new InvalidParameter('Bad parameters: you must choose at least one stream');
      return {
        name: r.params.name ?? '',
        stdout,
        stderr,
        follow: r.query.bool('follow'),
        timestamps: r.query.bool('timestamps'),
        details: r.query.bool('details'),
        since: r.query.string('since') ?? '',
        until: r.query.string('until') ?? '',
        tail: r.query.string('tail') ?? '',
      };
    },
  }),
];
