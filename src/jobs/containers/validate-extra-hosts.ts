import { goParsesIp } from '../../drivers/networkdriver/ipam.js';
import { InvalidParameter } from '../../engine/errors.js';

/** The special address dockerd replaces with the host's gateway address. */
export const HOST_GATEWAY = 'host-gateway';

/**
 * HostConfig.ExtraHosts as dockerd 20.10 checks it at create (opts.ValidateExtraHost),
 * so a bad `extra_hosts` entry is a 400 in dockerd's words and no container is left
 * behind, instead of a container whose start fails. `name:ip` splits at the first
 * colon (the address may be IPv6); the address is Go's ParseIP of the trimmed text.
 */
export function checkExtraHosts(extraHosts: unknown): void {
  if (!Array.isArray(extraHosts)) return;
  for (const entry of extraHosts as unknown[]) {
    if (typeof entry !== 'string') continue;
    const colon = entry.indexOf(':');
    if (colon <= 0) throw new InvalidParameter(`bad format for add-host: ${JSON.stringify(entry)}`);
    const ip = entry.slice(colon + 1);
    if (ip === HOST_GATEWAY) continue;
    const bare = ip.trim();
    if (!goParsesIp(bare)) throw new InvalidParameter(`invalid IP address in add-host: ${JSON.stringify(ip)}`);
  }
}
