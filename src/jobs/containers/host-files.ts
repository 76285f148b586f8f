import { readFile, writeFile } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { buildHostname, buildHosts } from '../../drivers/networkdriver/hosts.js';
import { buildResolvConf, parseResolvConf } from '../../drivers/networkdriver/resolvconf.js';
import { bindMount } from '../../libcontainer/mounts.js';
import type { OciMount } from '../../libcontainer/oci.js';
import type { JobContext } from '../context.js';
import { containerDir, containersOf } from './common.js';
import type { NetFiles } from '../../network/join.js';
import type { ContainerRecord } from './types.js';
import { HOST_GATEWAY } from './validate-extra-hosts.js';

const FILES = ['hostname', 'hosts', 'resolv.conf'] as const;

async function hostText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}

/** X of `--network container:X`: the container whose network, files and names this one shares. */
export function networkPeerRef(c: ContainerRecord): string | undefined {
  const mode = String(c.HostConfig.NetworkMode ?? '');
  return mode.startsWith('container:') ? mode.slice('container:'.length) : undefined;
}

/**
 * /etc/hostname, /etc/hosts and /etc/resolv.conf of a container: files in its
 * container dir, bind-mounted over the init layer's stubs as dockerd does (read-only
 * with --read-only). `host` networking copies the host's own; `container:<x>` uses
 * the other container's files; otherwise they are written from the config (and
 * the legacy links' entries, `linkHosts`).
 */
export async function hostFiles(ctx: JobContext, c: ContainerRecord, net: NetFiles = {}, linkHosts: string[] = []): Promise<OciMount[]> {
  const mode = String(c.HostConfig.NetworkMode ?? 'default');
  const readOnly = c.HostConfig['ReadonlyRootfs'] === true;
  let dir = containerDir(ctx, c.Id);
  const peer = networkPeerRef(c);
  if (peer !== undefined) {
    dir = containerDir(ctx, containersOf(ctx).get(peer).Id);
  } else {
    const h = c.HostConfig;
    const list = (k: string): string[] => (Array.isArray(h[k]) ? (h[k] as string[]) : []);
    const hostResolv = await hostText('/etc/resolv.conf');
    let hosts: string;
    let resolv: string;
    if (mode === 'host') {
      hosts = await hostText('/etc/hosts');
      resolv = hostResolv;
    } else {
      const extraHosts = withHostGateway(ctx, list('ExtraHosts'));
      hosts = buildHosts({ hostname: c.Config.Hostname ?? c.Id.slice(0, 12), domainname: c.Config.Domainname ?? '', extraHosts: [...extraHosts, ...linkHosts], ...(net.ips ? { ips: net.ips } : {}) });
      // The container's own --dns* win over the daemon's; on user networks berth's DNS server answers.
      const pick = (k: string, dflt: string[]): string[] => (list(k).length ? list(k) : dflt);
      const host = parseResolvConf(hostResolv);
      let dnsOptions = pick('DnsOptions', ctx.config.dnsOpts);
      // As dockerd with its embedded DNS: ndots:0 unless the options say otherwise.
      if (net.dnsServer) {
        const base = dnsOptions.length ? dnsOptions : host.options;
        dnsOptions = base.some((o) => o.startsWith('ndots:')) ? base : [...base, 'ndots:0'];
      }
      resolv = buildResolvConf(host, {
        dns: pick('Dns', ctx.config.dns), dnsSearch: pick('DnsSearch', ctx.config.dnsSearch), dnsOptions,
        ...(net.dnsServer ? { embeddedServer: net.dnsServer } : {}),
      });
    }
    const name = mode === 'host' ? osHostname() : (c.Config.Hostname ?? c.Id.slice(0, 12));
    await writeFile(join(dir, 'hostname'), buildHostname(name));
    await writeFile(join(dir, 'hosts'), hosts);
    await writeFile(join(dir, 'resolv.conf'), resolv);
  }
  return FILES.map((f) => bindMount({ source: join(dir, f), destination: `/etc/${f}`, readOnly }));
}

/**
 * `--add-host NAME:host-gateway` as dockerd 20.10 writes it: the daemon's
 * `--host-gateway-ip`, else the gateway of the default bridge network. Without
 * either (`-b none`) the start fails in dockerd's words.
 */
function withHostGateway(ctx: JobContext, extraHosts: string[]): string[] {
  return extraHosts.map((entry) => {
    const colon = entry.indexOf(':');
    if (entry.slice(colon + 1) !== HOST_GATEWAY) return entry;
    const gateway = ctx.config.hostGatewayIp || ctx.network?.find('bridge')?.bridge?.gateway;
    if (!gateway) throw new Error('unable to derive the IP value for host-gateway');
    return `${entry.slice(0, colon)}:${gateway}`;
  });
}

/** The paths dockerd shows on inspect (HostnamePath, HostsPath, ResolvConfPath). */
export function hostFilePaths(ctx: JobContext, c: ContainerRecord): { ResolvConfPath: string; HostnamePath: string; HostsPath: string } {
  // `container:X` uses X's files, and dockerd shows X's paths.
  const peer = networkPeerRef(c);
  const other = peer === undefined ? undefined : containersOf(ctx).find(peer);
  const dir = containerDir(ctx, (other ?? c).Id);
  return { ResolvConfPath: join(dir, 'resolv.conf'), HostnamePath: join(dir, 'hostname'), HostsPath: join(dir, 'hosts') };
}
