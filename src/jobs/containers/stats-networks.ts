/**
 * The `networks` of a StatsJSON: the counters of the container's endpoint interfaces,
 * keyed by their name inside the container, as dockerd 20.10 takes them from its
 * libnetwork sandbox. Clients (docker-py's stats, `docker stats`' NET I/O column) read
 * them; the loopback is not an endpoint, so it is not shown.
 */
import { readFile } from 'node:fs/promises';
import { hostOrNone } from '../../network/names.js';

/** Go's types.NetworkStats, in its field order. */
export interface NetworkStats {
  rx_bytes: number; rx_packets: number; rx_errors: number; rx_dropped: number;
  tx_bytes: number; tx_packets: number; tx_errors: number; tx_dropped: number;
}

/** berth names every endpoint interface eth<n> (see network/join.ts). */
const ENDPOINT_IF = /^eth\d+$/;

/**
 * The counters read from /proc/<pid>/net/dev, which shows the interfaces of the
 * netns the process is in, so a `container:` mode container shows those of the
 * container it shares. Host and none modes have no endpoint interface: dockerd
 * leaves `networks` out, as this answers undefined.
 */
export async function networkStats(pid: number, networkMode: string): Promise<Record<string, NetworkStats> | undefined> {
  if (hostOrNone(networkMode)) return undefined;
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/net/dev`, 'utf8');
  } catch {
    return undefined; // the process exited meanwhile
  }
  const out: Record<string, NetworkStats> = {};
  // Go encodes the map with its keys sorted.
  const rows = text.split('\n').slice(2).map((l) => l.split(':')).filter((r) => r.length === 2 && ENDPOINT_IF.test(r[0]!.trim()));
  for (const [name, rest] of rows.sort((a, b) => (a[0]!.trim() < b[0]!.trim() ? -1 : 1))) {
    const f = rest!.trim().split(/\s+/).map(Number);
    out[name!.trim()] = {
      rx_bytes: f[0]!, rx_packets: f[1]!, rx_errors: f[2]!, rx_dropped: f[3]!,
      tx_bytes: f[8]!, tx_packets: f[9]!, tx_errors: f[10]!, tx_dropped: f[11]!,
    };
  }
  return Object.keys(out).length ? out : undefined;
}

/** API versions before 1.21 show one `network`: dockerd sums the interfaces' counters. */
export function summedNetworkStats(nets: Record<string, NetworkStats> | undefined): NetworkStats {
  const sum: NetworkStats = { rx_bytes: 0, rx_packets: 0, rx_errors: 0, rx_dropped: 0, tx_bytes: 0, tx_packets: 0, tx_errors: 0, tx_dropped: 0 };
  for (const n of Object.values(nets ?? {})) {
    for (const k of Object.keys(sum) as Array<keyof NetworkStats>) sum[k] += n[k];
  }
  return sum;
}
