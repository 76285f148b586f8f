import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { connect, createServer } from 'node:net';
import type { TestContext } from 'node:test';
import { startDaemon, waitFor, type DaemonOptions, type TestDaemon } from '../helpers/daemon.js';
import { busyboxImage } from '../helpers/fixtures.js';

export async function ok(d: Pick<TestDaemon, 'docker'>, args: string[]): Promise<string> {
  const r = await d.docker(args);
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** The command fails and its stderr says `pattern`. */
export async function fails(d: Pick<TestDaemon, 'docker'>, args: string[], pattern: RegExp, cli?: string): Promise<void> {
  const r = await d.docker(args, cli ? { cli } : {});
  assert.notEqual(r.code, 0, `docker ${args.join(' ')} should fail`);
  assert.match(r.stderr, pattern);
}

/** A daemon with the busybox fixture loaded, its network leftovers checked when it is gone. */
export async function netDaemon(t: TestContext, opts: DaemonOptions = {}): Promise<TestDaemon> {
  const d = await startDaemon(t, opts);
  // Registered after the daemon's own cleanup, so it runs once the daemon is gone.
  t.after(() => {
    const links = execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' });
    assert.ok(!links.includes(`${d.network.bridge}:`), `left link ${d.network.bridge}`);
    const rules = execFileSync('iptables-save', [], { encoding: 'utf8' });
    assert.ok(!rules.includes(d.network.prefix), `left iptables chains ${d.network.prefix}`);
    assert.ok(!rules.includes(d.network.bridge), `left iptables rules on ${d.network.bridge}`);
  });
  await ok(d, ['load', '-i', (await busyboxImage()).path]);
  return d;
}

/** The gateway and subnet of the test daemon's default bridge (its --bip). */
export function bipOf(d: TestDaemon): { gateway: string; subnet: string } {
  const [gateway] = d.network.bip.split('/') as [string];
  return { gateway, subnet: `${gateway.replace(/\.1$/, '.0')}/24` };
}

/** A /24 under 10.200-249/16 that no route on the host overlaps (the test's own). */
export function freeSubnet(): string {
  const routes = execFileSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' });
  for (;;) {
    const prefix = `10.${randomInt(200, 250)}.${randomInt(0, 256)}`;
    if (!routes.includes(`${prefix}.`)) return `${prefix}.0/24`;
  }
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const p = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(p));
    });
  });
}

/** Connects, reads until the peer closes; '' when refused or on timeout. */
export function readFrom(host: string, port: number, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    let data = '';
    s.setTimeout(timeoutMs, () => { s.destroy(); resolve(data); });
    s.on('data', (c) => { data += c.toString(); });
    s.on('end', () => { s.destroy(); resolve(data); });
    s.on('error', () => resolve(data));
  });
}

/** Reads from host:port until it answers `expect` (a server in a container may need a moment). */
export async function expectServed(host: string, port: number, expect: string): Promise<void> {
  await waitFor(`${host}:${port} to answer`, async () => (await readFrom(host, port, 1000)).includes(expect), 10_000);
}

/** A busybox shell loop serving `text` on a TCP port, one connection after another. */
export function server(port: number, text: string): string[] {
  return ['sh', '-c', `while true; do echo ${text} | nc -l -p ${port}; done`];
}

export function natRules(prefix: string): string {
  return execFileSync('iptables', ['-w', '-t', 'nat', '-S', prefix], { encoding: 'utf8' });
}
