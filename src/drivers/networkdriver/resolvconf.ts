/**
 * /etc/resolv.conf for a container, built the way dockerd builds it: the host's file
 * with loopback nameservers removed (they mean nothing inside another netns), `--dns`,
 * `--dns-search` and `--dns-opt` replacing their lines, and a fallback to public
 * resolvers when nothing usable is left.
 */

export interface ResolvConf {
  nameservers: string[];
  search: string[];
  options: string[];
}

/** dockerd's fallback when the host only has loopback resolvers. */
export const DEFAULT_NAMESERVERS = ['8.8.8.8', '8.8.4.4'];

export function parseResolvConf(text: string): ResolvConf {
  const rc: ResolvConf = { nameservers: [], search: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) rc.nameservers.push(rest[0]);
    // The last search/domain line wins, as in the resolver itself.
    else if (key === 'search' || key === 'domain') rc.search = rest;
    else if (key === 'options') rc.options.push(...rest);
  }
  return rc;
}

export function isLoopback(ns: string): boolean {
  return /^127\./.test(ns) || ns === '::1' || /^0*:0*:0*:0*:0*:0*:0*:0*1$/.test(ns);
}

export interface ContainerDns {
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** User-defined networks: berth's DNS server on the network's gateway. */
  embeddedServer?: string;
  /** Fallback when no host resolver is usable (tests point this at loopback fakes). */
  fallback?: string[];
}

export function buildResolvConf(host: ResolvConf, opts: ContainerDns): string {
  let nameservers: string[];
  if (opts.embeddedServer) {
    // The embedded server forwards other names to the host's resolvers itself.
    nameservers = [opts.embeddedServer];
  } else if (opts.dns && opts.dns.length) {
    nameservers = opts.dns;
  } else {
    nameservers = host.nameservers.filter((n) => !isLoopback(n));
    if (!nameservers.length) nameservers = opts.fallback ?? DEFAULT_NAMESERVERS;
  }
  // `--dns-search .` means "no search domains at all".
  const search = opts.dnsSearch && opts.dnsSearch.length ? opts.dnsSearch.filter((s) => s !== '.') : host.search;
  const options = opts.dnsOptions && opts.dnsOptions.length ? opts.dnsOptions : host.options;
  const lines: string[] = [];
  if (search.length) lines.push(`search ${search.join(' ')}`);
  for (const n of nameservers) lines.push(`nameserver ${n}`);
  if (options.length) lines.push(`options ${options.join(' ')}`);
  return lines.join('\n') + '\n';
}

/** Upstreams for the embedded DNS server: host resolvers minus loopback ones. */
export function upstreams(host: ResolvConf, fallback: string[] = DEFAULT_NAMESERVERS): string[] {
  const usable = host.nameservers.filter((n) => !isLoopback(n) && !n.includes(':'));
  return usable.length ? usable : fallback;
}
