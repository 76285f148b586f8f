import { statSync } from 'node:fs';
import { InvalidParameter } from '../../engine/errors.js';

/*
 * The log drivers dockerd knows but berth does not write to (syslog, journald, gelf,
 * fluentd, awslogs, splunk, gcplogs, logentries). berth's shim writes json-file for
 * json-file and local; the others would need a sender of their own. A container
 * that names one is still refused where dockerd would refuse it, in dockerd's words
 * (a required option missing at create, a local service absent at start), and
 * otherwise at start in berth's own words: never a container whose logs silently
 * go somewhere other than where its configuration says.
 */

/** The drivers berth writes itself. */
export const WRITTEN = ['json-file', 'local', 'none'];

/** dockerd's ValidateLogOpt checks, at create, of the options a driver cannot start without. */
export function checkUnwrittenAtCreate(type: string, config: Record<string, string>): void {
  if (type === 'gelf' && !config['gelf-address']) throw new InvalidParameter('gelf-address is a required parameter');
  if (type === 'awslogs' && !config['awslogs-group']) throw new InvalidParameter("must specify a value for log opt 'awslogs-group'");
  if (type === 'logentries' && !config['logentries-token']) throw new InvalidParameter('Missing logentries token');
}

/** syslog's default addresses, as Go's log/syslog dials them when no syslog-address is set. */
const SYSLOG_SOCKETS = ['/dev/log', '/var/run/syslog', '/var/run/log'];
const JOURNAL_SOCKET = '/run/systemd/journal/socket';

/** A socket is there to dial (/var/run/log is a directory on some machines). */
function isSocket(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isSocket() ?? false;
}

/** The reason a container with this driver cannot start (after the `failed to initialize logging driver: ` prefix). */
export function unwrittenDriverProblem(type: string, config: Record<string, string>): string {
  if (type === 'journald' && !isSocket(JOURNAL_SOCKET)) return 'journald is not enabled on this host';
  if (type === 'syslog' && !config['syslog-address'] && !SYSLOG_SOCKETS.some(isSocket)) return 'Unix syslog delivery error';
  if (type === 'splunk' && !config['splunk-url']) return 'splunk: splunk-url is expected';
  return `berth does not send logs to ${type}: its log drivers are ${WRITTEN.join(', ')}`;
}
