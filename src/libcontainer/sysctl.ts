/**
 * `--sysctl` validation: only keys the kernel scopes to a namespace the container owns
 * may be set, otherwise the container would change the host. runc refuses them at
 * create, so dockerd 20.10 answers the start with a 500 carrying runc's words inside
 * containerd's and its own (as State.Error records too).
 */
import { System } from '../engine/errors.js';

/** runc's refusal as dockerd 20.10 (containerd 1.6, runc 1.1) passes it on. */
function refused(reason: string): System {
  return new System(`failed to create shim task: OCI runtime create failed: runc create failed: ${reason}: unknown`);
}

/** IPC-namespaced keys besides the whole fs.mqueue.* tree. */
const IPC_KEYS = new Set([
  'kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem',
  'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced',
]);

export interface SysctlNamespaces {
  /** The container has an IPC namespace of its own (or joins another container's). */
  ipc: boolean;
  /** The container has a network namespace that is not the host's. */
  network: boolean;
  /** The container has its own UTS namespace. */
  uts: boolean;
}

/** Throws runc's refusal for the first key that is not namespaced for this container. */
export function validateSysctls(sysctls: Record<string, string>, ns: SysctlNamespaces): void {
  for (const raw of Object.keys(sysctls)) {
    // Keys may be written with slashes (net/ipv4/ip_forward).
    const key = raw.replaceAll('/', '.');
    const q = JSON.stringify(raw);
    if (IPC_KEYS.has(key) || key.startsWith('fs.mqueue.')) {
      if (!ns.ipc) throw refused(`sysctl ${q} is not allowed in the hosts ipc namespace`);
      continue;
    }
    if (key.startsWith('net.')) {
      if (!ns.network) throw refused(`sysctl ${q} not allowed in host network namespace`);
      continue;
    }
    if (ns.uts && key === 'kernel.domainname') continue;
    if (ns.uts && key === 'kernel.hostname') {
      throw refused(`sysctl ${q} is not allowed as it conflicts with the OCI "hostname" field`);
    }
    throw refused(`sysctl ${q} is not in a separate kernel namespace`);
  }
}

/**
 * Sysctls dockerd sets in every container with a network namespace of its own: ping
 * without CAP_NET_RAW and binding low ports without CAP_NET_BIND_SERVICE, both of
 * which the default capability set grants anyway.
 */
export function defaultSysctls(ownNetwork: boolean): Record<string, string> {
  if (!ownNetwork) return {};
  return { 'net.ipv4.ping_group_range': '0 2147483647', 'net.ipv4.ip_unprivileged_port_start': '0' };
}
