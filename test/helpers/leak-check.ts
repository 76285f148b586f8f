import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What a test run may leave behind, as comparable strings ("mount /tmp/berth-test-x/m").
 * The suite's last test takes a snapshot and fails on anything that should not be
 * there. `scripts/run-tests.mjs` takes a baseline snapshot before the first test and
 * tags every process of the run with BERTH_TEST_RUN, so on a shared machine the
 * check blames the run only for what the run created.
 */
export const TEST_PREFIX = '/tmp/berth-test-';
export const RUN_ENV = 'BERTH_TEST_RUN';
export const BASELINE_ENV = 'BERTH_LEAK_BASELINE';

function read(path: string): string | null {
  try { return readFileSync(path, 'utf8'); } catch { return null; }
}

/** Mount points under /tmp/berth-test-*. */
export function leakedMounts(): string[] {
  return (read('/proc/self/mountinfo') ?? '').split('\n').filter(Boolean)
    .map((l) => (l.split(' ')[4] ?? '').replace(/\\040/g, ' '))
    .filter((p) => p.startsWith(TEST_PREFIX))
    .map((p) => `mount ${p}`);
}

/** /tmp/berth-test-* entries. */
export function leakedDirs(): string[] {
  return readdirSync('/tmp').filter((e) => e.startsWith('berth-test-')).map((e) => `dir /tmp/${e}`);
}

/** Our own pid and our ancestors': the runner and the shell are tagged too, and alive. */
function ancestors(): Set<number> {
  const out = new Set<number>();
  let pid = process.pid;
  while (pid > 1 && !out.has(pid)) {
    out.add(pid);
    const stat = read(`/proc/${pid}/stat`);
    if (!stat) break;
    pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  }
  return out;
}

/**
 * Processes that refer to /tmp/berth-test- (cwd or command line), that carry this
 * run's tag, or that are berth-shims. Keyed by pid and start time, so a reused pid
 * is a different process.
 */
export function leakedProcesses(run = process.env[RUN_ENV]): string[] {
  const mine = ancestors();
  const out: string[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || mine.has(Number(e))) continue;
    const cmdline = (read(`/proc/${e}/cmdline`) ?? '').split('\0').filter(Boolean).join(' ');
    const stat = read(`/proc/${e}/stat`);
    if (!stat || !cmdline) continue; // exited meanwhile, or a kernel thread
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    let cwd = '';
    try { cwd = readlinkSync(`/proc/${e}/cwd`); } catch { /* gone or not ours to read */ }
    const tagged = run !== undefined && (read(`/proc/${e}/environ`) ?? '').split('\0').includes(`${RUN_ENV}=${run}`);
    if (tagged || comm === 'berth-shim' || cwd.startsWith(TEST_PREFIX) || cmdline.includes(TEST_PREFIX)) {
      out.push(`process ${e}@${start} ${cmdline.slice(0, 160)}`);
    }
  }
  return out;
}

/** iptables chains named BERTH* (nat and filter), when iptables is present. */
export function leakedChains(): string[] {
  const r = spawnSync('iptables-save', [], { encoding: 'utf8' });
  if (r.status !== 0) return [];
  let table = '';
  const out: string[] = [];
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1);
    const m = /^:(BERTH\S*)/.exec(line);
    if (m) out.push(`iptables ${table} ${m[1]}`);
  }
  return out;
}

/** Network links a test may create: berth bridges and veth pairs. */
export function leakedLinks(): string[] {
  const r = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
  if (r.status !== 0) return [];
  return r.stdout.split('\n').map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1] ?? '')
    .filter((n) => /^(berth|bt-|veth)/.test(n)).map((n) => `link ${n}`);
}

/** Cgroups named berth-test* in any v1 hierarchy (or the v2 root). */
export function leakedCgroups(): string[] {
  const out: string[] = [];
  const roots = ['/sys/fs/cgroup', ...safeList('/sys/fs/cgroup').map((h) => join('/sys/fs/cgroup', h))];
  for (const root of roots) {
    for (const e of safeList(root)) if (e.startsWith('berth-test')) out.push(`cgroup ${join(root, e)}`);
  }
  return out;
}

function safeList(dir: string): string[] {
  try { return readdirSync(dir); } catch { return []; }
}

/** Everything at once. */
export function snapshot(): string[] {
  return [...leakedMounts(), ...leakedDirs(), ...leakedProcesses(), ...leakedChains(), ...leakedLinks(), ...leakedCgroups()].sort();
}

/** Items present now and not in the baseline (or all, without one). */
export function newSince(baseline: string[] | null, now = snapshot()): string[] {
  if (!baseline) return now;
  const before = new Set(baseline);
  return now.filter((i) => !before.has(i));
}

export function loadBaseline(path = process.env[BASELINE_ENV]): string[] | null {
  if (!path) return null;
  const text = read(path);
  return text === null ? null : (JSON.parse(text) as string[]);
}

/**
 * The leak check proper. Something a concurrent suite on the same machine is still
 * using goes away within a short grace period; a leak stays. Returns what stayed.
 */
export async function findLeaks(graceMs = 10_000): Promise<string[]> {
  const baseline = loadBaseline();
  let leaks = newSince(baseline);
  const deadline = Date.now() + graceMs;
  while (leaks.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    const now = new Set(newSince(baseline));
    leaks = leaks.filter((l) => now.has(l));
  }
  return leaks;
}
