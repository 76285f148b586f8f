import { spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/**
 * Each test daemon's network names: its own default bridge, iptables chain prefix
 * and default-bridge subnet, so daemons running at the same time never share a
 * link, a chain or an address range (the leak check matches berth* links and
 * BERTH* chains).
 */
export interface TestNetworkNames {
  bridge: string;
  prefix: string;
  bip: string;
}

export function testNetworkNames(): TestNetworkNames {
  const hex = randomBytes(4).toString('hex');
  return { bridge: `berth${hex.slice(0, 8)}`, prefix: `BERTH${hex.slice(0, 5).toUpperCase()}`, bip: `10.${randomInt(200, 250)}.${randomInt(0, 256)}.1/24` };
}

/** The flags for `n`, except those the test passes itself (`--bip`, `-b`...). */
export function networkArgs(n: TestNetworkNames, given: readonly string[] = []): string[] {
  const has = (...flags: string[]): boolean => given.some((a) => flags.some((f) => a === f || a.startsWith(`${f}=`)));
  return [
    ...(has('--bridge-name') ? [] : ['--bridge-name', n.bridge]),
    ...(has('--iptables-chain-prefix') ? [] : ['--iptables-chain-prefix', n.prefix]),
    ...(has('--bip', '-b', '--bridge') ? [] : ['--bip', n.bip]),
  ];
}

function ipt(table: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('iptables', ['-w', '-t', table, ...args], { encoding: 'utf8' });
  return { ok: r.status === 0, out: r.stdout ?? '' };
}

/** Bridge devices and subnets the daemon recorded (its data root's berth.db). */
function recordedBridges(dataRoot: string): Array<{ device: string; subnet: string }> {
  const path = join(dataRoot, 'berth.db');
  if (!existsSync(path)) return [];
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare('SELECT record FROM networks').all() as Array<{ record: string }>;
      return rows.flatMap((r) => {
        const b = (JSON.parse(r.record) as { bridge?: { device: string; subnet: string; created: boolean } }).bridge;
        return b ? [{ device: b.device, subnet: b.subnet }] : [];
      });
    } finally {
      db.close();
    }
  } catch {
    return [];
  }
}

/**
 * After a daemon that was killed (not stopped) is gone: its bridges, the rules that
 * name them or its chains in built-in chains, and its chains. A cleanly stopped
 * daemon has removed all of this itself, and then this finds nothing.
 */
export function sweepNetwork(n: TestNetworkNames, dataRoot: string): void {
  const bridges = recordedBridges(dataRoot);
  const devices = new Set([n.bridge, ...bridges.map((b) => b.device)]);
  const subnets = bridges.map((b) => b.subnet);
  for (const table of ['nat', 'filter']) {
    const lines = ipt(table, ['-S']).out.split('\n');
    for (const line of lines) {
      if (!line.startsWith('-A ')) continue;
      const words = line.split(/\s+/);
      const chain = words[1]!;
      if (chain.startsWith(n.prefix)) continue; // flushed with the chain below
      const ours = words.some((w) => devices.has(w) || w.startsWith(n.prefix) || subnets.includes(w));
      if (ours) ipt(table, ['-D', ...words.slice(1)]);
    }
    for (const line of lines) {
      const m = /^-N (\S+)/.exec(line);
      if (m && m[1]!.startsWith(n.prefix)) ipt(table, ['-F', m[1]!]);
    }
    for (const line of lines) {
      const m = /^-N (\S+)/.exec(line);
      if (m && m[1]!.startsWith(n.prefix)) ipt(table, ['-X', m[1]!]);
    }
  }
  for (const d of devices) spawnSync('ip', ['link', 'del', 'dev', d], { stdio: 'ignore' });
}
