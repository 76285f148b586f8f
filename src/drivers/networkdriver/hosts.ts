/** /etc/hosts and /etc/hostname for a container, laid out as dockerd writes them. */
import { InvalidParameter } from '../../engine/errors.js';

export interface HostsSpec {
  hostname: string;
  domainname?: string;
  /** The container's addresses, one line each (its networks in join order); none with --network none. */
  ips?: string[];
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

/**
 * The names of a container's own lines, as dockerd writes them: the FQDN
 * (hostname, plus the domain name when set), then the bare first label if it differs.
 */
export function selfNames(hostname: string, domainname = ''): string {
  const fqdn = domainname ? `${hostname}.${domainname}` : hostname;
  const mhn = hostname.split('.')[0]!;
  return fqdn === mhn ? fqdn : `${fqdn} ${mhn}`;
}

/** One line of /etc/hosts. */
export function hostsLine(ip: string, names: string): string {
  return `${ip}\t${names}\n`;
}

export function buildHosts(spec: HostsSpec): string {
  const lines = [...DEFAULT_LINES];
  for (const e of spec.extraHosts ?? []) {
    const { name, ip } = parseExtraHost(e);
    lines.push(`${ip}\t${name}`);
  }
  const names = selfNames(spec.hostname, spec.domainname);
  for (const ip of spec.ips ?? []) lines.push(`${ip}\t${names}`);
  return lines.join('\n') + '\n';
}

/**
 * /etc/hosts after a disconnect from a user-defined network, as dockerd 20.10 edits
 * it: every line that ends in a tab and the hostname goes, the other networks'
 * lines included (its etchosts.Delete matches names only). A hostname with a domain
 * name ends its lines with the bare label after a space, so those lines stay.
 */
export function withoutHost(text: string, hostname: string): string {
  const kept = text.split('\n').filter((line) => line !== '' && !line.endsWith(`\t${hostname}`));
  return kept.length ? kept.join('\n') + '\n' : '';
}

export function buildHostname(hostname: string): string {
  return hostname + '\n';
}
