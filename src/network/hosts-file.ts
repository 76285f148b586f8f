/**
 * A running container's /etc/hosts edited in place when it joins or leaves a network,
 * as dockerd does: a line for the new address on connect; on a disconnect from a
 * user-defined network, every line of its hostname goes (dockerd 20.10's etchosts
 * matches names only). The file is bind-mounted into the container, so it is
 * rewritten in place (same inode), never replaced.
 */
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hostsLine, selfNames, withoutHost } from '../drivers/networkdriver/hosts.js';
import type { ContainerRecord } from '../jobs/containers/types.js';
import type { NetworkController } from './controller.js';

function hostsPath(ctl: NetworkController, c: ContainerRecord): string {
  return join(ctl.config.dataRoot, 'containers', c.Id, 'hosts');
}

function hostnameOf(c: ContainerRecord): string {
  return c.Config.Hostname || c.Id.slice(0, 12);
}

/** `network connect`: the new address under the container's own names. */
export async function addHostsLine(ctl: NetworkController, c: ContainerRecord, ip: string): Promise<void> {
  await appendFile(hostsPath(ctl, c), hostsLine(ip, selfNames(hostnameOf(c), c.Config.Domainname ?? '')))
    .catch((e: Error) => ctl.log.warn(`container ${c.Id}: /etc/hosts: ${e.message}`));
}

/** `network disconnect` from a user-defined network: the hostname's lines go. */
export async function dropHostsLines(ctl: NetworkController, c: ContainerRecord): Promise<void> {
  const path = hostsPath(ctl, c);
  try {
    const text = await readFile(path, 'utf8');
    const next = withoutHost(text, hostnameOf(c));
    if (next !== text) await writeFile(path, next);
  } catch (e) {
    ctl.log.warn(`container ${c.Id}: /etc/hosts: ${(e as Error).message}`);
  }
}
