/**
 * A running container's /etc/resolv.conf when it joins a network with berth's DNS
 * server: dockerd starts its embedded resolver on the first such join and rewrites
 * the file then, also for a container that started on the default bridge with the
 * host's resolvers. The file's search domains and options stay (with `ndots:0`
 * added unless an ndots is already there); its nameservers give way to the
 * network's server, which forwards other names upstream. The file is bind-mounted
 * into the container, so it is rewritten in place (same inode), never replaced.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildResolvConf, parseResolvConf } from '../drivers/networkdriver/resolvconf.js';
import type { ContainerRecord } from '../jobs/containers/types.js';
import type { NetworkController } from './controller.js';

/** The DNS servers of the container's live endpoints other than on `except`. */
function liveServers(ctl: NetworkController, c: ContainerRecord, except: string): string[] {
  return ctl.records.endpointsOf(c.Id).flatMap((e) => {
    const b = ctl.records.network(e.networkId)?.bridge;
    return e.live && e.networkId !== except && b?.dns ? [b.gateway] : [];
  });
}

/** `network connect` to network `networkId` whose DNS server is `server`. */
export async function useEmbeddedDns(ctl: NetworkController, c: ContainerRecord, networkId: string, server: string): Promise<void> {
  const path = join(ctl.config.dataRoot, 'containers', c.Id, 'resolv.conf');
  try {
    const rc = parseResolvConf(await readFile(path, 'utf8'));
    // Already answered by a server of one of its networks (the first join's, as dockerd keeps its resolver).
    const servers = [server, ...liveServers(ctl, c, networkId)];
    if (rc.nameservers.some((n) => servers.includes(n))) return;
    const options = rc.options.some((o) => o.startsWith('ndots:')) ? rc.options : [...rc.options, 'ndots:0'];
    await writeFile(path, buildResolvConf(rc, { embeddedServer: server, dnsOptions: options }));
  } catch (e) {
    ctl.log.warn(`container ${c.Id}: /etc/resolv.conf: ${(e as Error).message}`);
  }
}
