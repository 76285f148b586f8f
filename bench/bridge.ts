import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { contains, formatIp, hostSubnets, parseIp, pickFreeSubnet, type Cidr } from '../src/drivers/networkdriver/ipam.js';

/**
 * The host networking the network benchmark sets up and takes down again: a free
 * /24 for each daemon's bridge, a bridge of our own for the reference dockerd, and
 * the bookkeeping that removes exactly the iptables chains and rules that dockerd
 * added. dockerd's chain names are fixed (DOCKER, DOCKER-USER, ...), so they are
 * ours only if they did not exist before it started.
 */

// Far from dockerd's 172.17+ pools and from the 10.200-249 range the test daemons use.
const BENCH_POOL = [{ base: '10.96.0.0/12', size: 24 }];

/** The first /24 of the bench pool that collides with no host route, address or `also`. */
export async function freeSubnet(also: Cidr[] = []): Promise<Cidr> {
  return pickFreeSubnet(BENCH_POOL, [...(await hostSubnets()), ...also], 'bench');
}

/** `10.96.3.1/24` for the subnet 10.96.3.0/24: the gateway address as --bip and `ip addr` take it. */
export function gatewayCidr(subnet: Cidr): string {
  return `${formatIp((subnet.base + 1) >>> 0)}/${subnet.prefix}`;
}

/** Short unique names for one bench run (bridge ≤ 15 characters, chain prefix ≤ 10). */
export function benchNames(): { bridge: string; prefix: string; refBridge: string } {
  const hex = randomBytes(2).toString('hex');
  return { bridge: `bbench${hex}`, prefix: `BBENCH${hex.toUpperCase()}`, refBridge: `bref${hex}` };
}

function run(cmd: string, args: string[]): { ok: boolean; out: string; err: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { ok: r.status === 0, out: r.stdout ?? '', err: r.stderr ?? '' };
}

export function createBridge(name: string, subnet: Cidr): void {
  for (const args of [['link', 'add', 'name', name, 'type', 'bridge'], ['addr', 'add', gatewayCidr(subnet), 'dev', name], ['link', 'set', name, 'up']]) {
    const r = run('ip', args);
    if (!r.ok) {
      deleteLink(name);
      throw new Error(`ip ${args.join(' ')}: ${r.err.trim()}`);
    }
  }
}

export function deleteLink(name: string): void {
  run('ip', ['link', 'del', 'dev', name]);
}

/** dockerd 20.10's chains, per table. */
const DOCKER_CHAINS: Record<string, string[]> = {
  filter: ['DOCKER', 'DOCKER-USER', 'DOCKER-ISOLATION-STAGE-1', 'DOCKER-ISOLATION-STAGE-2'],
  nat: ['DOCKER'],
};

const SYSCTLS = ['/proc/sys/net/ipv4/ip_forward', '/proc/sys/net/bridge/bridge-nf-call-iptables', '/proc/sys/net/bridge/bridge-nf-call-ip6tables'];

/** What the host's firewall and forwarding looked like before the reference dockerd started. */
export interface HostSnapshot {
  rules: Record<string, Set<string>>;
  sysctls: Map<string, string>;
}

function rules(table: string): string[] {
  const r = run('iptables', ['-w', '-t', table, '-S']);
  if (!r.ok) throw new Error(`iptables -t ${table} -S: ${r.err.trim()}`);
  return r.out.split('\n').filter(Boolean);
}

/**
 * The host before dockerd starts, or the reason it must not start: dockerd chains
 * that already exist belong to someone else's dockerd, and we could not tell its
 * rules from ours afterwards.
 */
export function snapshotHost(): HostSnapshot | string {
  const snap: HostSnapshot = { rules: {}, sysctls: new Map() };
  for (const table of Object.keys(DOCKER_CHAINS)) {
    let lines: string[];
    try { lines = rules(table); } catch (e) { return (e as Error).message; }
    const taken = DOCKER_CHAINS[table]!.filter((c) => lines.includes(`-N ${c}`));
    if (taken.length) return `another dockerd's iptables chains exist (${table}: ${taken.join(', ')})`;
    snap.rules[table] = new Set(lines);
  }
  for (const path of SYSCTLS) {
    try { snap.sysctls.set(path, readFileSync(path, 'utf8').trim()); } catch { /* module not loaded */ }
  }
  return snap;
}

/**
 * After the reference dockerd has stopped: remove the rules it added that name its
 * bridge, an address in its subnet, or one of its chains; flush and delete its
 * chains; put back a changed FORWARD policy and the sysctls it may have set.
 */
export function restoreHost(snap: HostSnapshot, bridge: string, subnet: Cidr): void {
  for (const [table, before] of Object.entries(snap.rules)) {
    let now: string[];
    try { now = rules(table); } catch { continue; }
    const chains = DOCKER_CHAINS[table]!.filter((c) => now.includes(`-N ${c}`));
    const mentionsOurs = (words: string[]): boolean => words.some((w, i) =>
      w === bridge || (words[i - 1] === '-j' && chains.includes(w)) || inSubnet(w, subnet));
    for (const line of now) {
      if (before.has(line)) continue;
      const words = line.split(/\s+/);
      if (words[0] === '-A' && !chains.includes(words[1]!) && mentionsOurs(words)) {
        run('iptables', ['-w', '-t', table, '-D', ...words.slice(1)]);
      }
      const old = words[0] === '-P' ? [...before].find((b) => b.startsWith(`-P ${words[1]} `)) : undefined;
      if (old) run('iptables', ['-w', '-t', table, '-P', words[1]!, old.split(/\s+/)[2]!]);
    }
    for (const c of chains) run('iptables', ['-w', '-t', table, '-F', c]);
    for (const c of chains) run('iptables', ['-w', '-t', table, '-X', c]);
  }
  for (const [path, value] of snap.sysctls) {
    try {
      if (readFileSync(path, 'utf8').trim() !== value) writeFileSync(path, `${value}\n`);
    } catch { /* gone */ }
  }
}

function inSubnet(word: string, subnet: Cidr): boolean {
  const m = /^(\d+\.\d+\.\d+\.\d+)(\/\d+)?$/.exec(word);
  if (!m) return false;
  try { return contains(subnet, parseIp(m[1]!)); } catch { return false; }
}
