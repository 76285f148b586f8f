/** /etc/hosts and /etc/hostname for a container, laid out as dockerd writes them. */
import { InvalidParameter } from '../../engine/errors.js';

export interface HostsSpec {
  hostname: string;
  domainname?: string;
  /** The container's address on its network; absent with --network none. */
  ip?: string;
  /** `--add-host name:ip` entries, as the API sends them in HostConfig.ExtraHosts. */
  extraHosts?: string[];
}

const DEFAULT_LINES = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

/** Splits `name:ip` at the first colon: the address may be IPv6 and contain colons. */
export function parseExtraHost(entry: string): { name: string; ip: string } {
  const i = entry.indexOf(':');
  if (i <= 0 || i === entry.length - 1) throw new InvalidParameter(`invalid argument "${entry}" for "--add-host" flag`);
  return { name: entry.slice(0, i), ip: entry.slice(i + 1) };
}

export function buildHosts(spec: HostsSpec): string {
  const lines = [...DEFAULT_LINES];
  for (const e of spec.extraHosts ?? []) {
    const { name, ip } = parseExtraHost(e);
    lines.push(`${ip}\t${name}`);
  }
  if (spec.ip) {
    const names = spec.domainname ? `${spec.hostname}.${spec.domainname} ${spec.hostname}` : spec.hostname;
    lines.push(`${spec.ip}\t${names}`);
  }
  return lines.join('\n') + '\n';
}

export function buildHostname(hostname: string): string {
  return hostname + '\n';
}
