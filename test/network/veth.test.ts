/**
 * The veth made by rtnetlink from the daemon (src/network/veth.ts over the addon's
 * plugVeth), checked against the kernel: a process in a fresh network namespace stands
 * in for a container, a bridge of the test's own for the network. What is inside is
 * read back with `ip -j` through nsenter.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { plugVeth, setDefaultRoute, unplugVeth } from '../../src/network/veth.js';

interface Ns { pid: number; ip(args: string[]): unknown[] }

/** A sleeping process in a network namespace of its own, killed when the test ends. */
async function netns(t: TestContext): Promise<Ns> {
  const p = spawn('unshare', ['--net', 'sleep', '300'], { stdio: 'ignore' });
  t.after(() => { p.kill('SIGKILL'); });
  const pid = p.pid!;
  // unshare execs sleep once the namespace exists: wait for the exec.
  for (let i = 0; i < 200; i++) {
    try {
      if (execFileSync('readlink', [`/proc/${pid}/exe`], { encoding: 'utf8' }).includes('sleep')) break;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 5));
  }
  const ip = (args: string[]): unknown[] => JSON.parse(execFileSync('nsenter', [`--net=/proc/${pid}/ns/net`, 'ip', '-j', ...args], { encoding: 'utf8' }) || '[]') as unknown[];
  return { pid, ip };
}

/** A bridge named for this test, up, with `gateway/24`; deleted when the test ends. */
function bridge(t: TestContext, gateway: string): string {
  const name = `btveth${randomBytes(3).toString('hex')}`;
  execFileSync('ip', ['link', 'add', 'name', name, 'type', 'bridge']);
  t.after(() => { try { execFileSync('ip', ['link', 'del', 'dev', name], { stdio: 'ignore' }); } catch { /* gone */ } });
  execFileSync('ip', ['addr', 'add', `${gateway}/24`, 'dev', name]);
  execFileSync('ip', ['link', 'set', 'dev', name, 'up']);
  return name;
}

/** The error code of a TCP connect to `host:port` within 2 s ('TIMEOUT' if none came). */
function connectError(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const timer = setTimeout(() => { s.destroy(); resolve('TIMEOUT'); }, 2000);
    s.on('connect', () => { clearTimeout(timer); s.destroy(); resolve('CONNECTED'); });
    s.on('error', (e: NodeJS.ErrnoException) => { clearTimeout(timer); resolve(e.code ?? 'ERROR'); });
  });
}

function hostLinks(): string {
  return execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' });
}

interface Link { ifname: string; address: string; mtu: number; flags: string[]; master?: string; addr_info?: { family: string; local: string; prefixlen: number }[] }

test('plugVeth gives the namespace eth0 with its address, MAC, MTU and default route, the host end on the bridge', async (t) => {
  const br = bridge(t, '10.213.99.1');
  const ns = await netns(t);
  const host = await plugVeth(br, ns.pid, { ifname: 'eth0', address: '10.213.99.7', prefix: 24, mac: '02:42:0a:d5:63:07', mtu: 1400, gateway: '10.213.99.1' });
  t.after(() => unplugVeth(host));

  const [eth0] = ns.ip(['addr', 'show', 'dev', 'eth0']) as Link[];
  assert.equal(eth0!.address, '02:42:0a:d5:63:07');
  assert.equal(eth0!.mtu, 1400);
  assert.ok(eth0!.flags.includes('UP'), 'eth0 is up');
  assert.deepEqual(eth0!.addr_info!.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`), ['10.213.99.7/24']);
  const [lo] = ns.ip(['link', 'show', 'dev', 'lo']) as Link[];
  assert.ok(lo!.flags.includes('UP'), 'lo is up');
  const routes = ns.ip(['route', 'show', 'default']) as { gateway?: string; dev: string }[];
  assert.deepEqual(routes.map((r) => [r.gateway, r.dev]), [['10.213.99.1', 'eth0']]);

  const [h] = JSON.parse(execFileSync('ip', ['-j', 'link', 'show', 'dev', host], { encoding: 'utf8' })) as Link[];
  assert.equal(h!.master, br);
  assert.equal(h!.mtu, 1400);
  assert.ok(h!.flags.includes('UP'), 'host end is up');
  // The namespace answers on the bridge: a closed port is refused (a RST), not silence.
  assert.equal(await connectError('10.213.99.7', 9), 'ECONNREFUSED');

  await setDefaultRoute(ns.pid, '10.213.99.2', 'eth0');
  assert.deepEqual((ns.ip(['route', 'show', 'default']) as { gateway?: string }[]).map((r) => r.gateway), ['10.213.99.2']);

  await unplugVeth(host);
  assert.ok(!hostLinks().includes(`${host}@`), 'the host end is gone');
  assert.deepEqual((ns.ip(['link']) as Link[]).map((l) => l.ifname), ['lo'], 'eth0 went with it');
  await unplugVeth(host); // gone already: fine
});

test('a plugVeth that fails inside the namespace leaves no link on either side', async (t) => {
  const br = bridge(t, '10.213.98.1');
  const ns = await netns(t);
  // A gateway outside the subnet: the default route is refused after the pair exists.
  await assert.rejects(
    plugVeth(br, ns.pid, { ifname: 'eth0', address: '10.213.98.7', prefix: 24, mac: '02:42:0a:d5:62:07', gateway: '10.9.9.9' }),
    (err: Error & { cause?: NodeJS.ErrnoException }) => {
      assert.equal(err.cause?.code, 'ENETUNREACH');
      assert.equal(err.cause?.syscall, 'RTM_NEWROUTE default');
      return true;
    },
  );
  assert.equal(hostLinks().split('\n').filter((l) => /veth/.test(l) && l.includes(`master ${br}`)).length, 0);
  assert.deepEqual((ns.ip(['link']) as Link[]).map((l) => l.ifname), ['lo']);
});

test('plugVeth into a missing bridge or a gone process fails with nothing made', async (t) => {
  const ns = await netns(t);
  await assert.rejects(plugVeth('btveth-none', ns.pid, { ifname: 'eth0', address: '10.213.97.7', prefix: 24, mac: '02:42:0a:d5:61:07' }),
    (err: Error & { cause?: NodeJS.ErrnoException }) => err.cause?.code === 'ENODEV' && /btveth-none/.test(err.message));
  await assert.rejects(plugVeth('lo', 999999999, { ifname: 'eth0', address: '10.213.97.7', prefix: 24, mac: '02:42:0a:d5:61:07' }),
    (err: Error & { cause?: NodeJS.ErrnoException }) => err.cause?.code === 'ENOENT');
  assert.deepEqual((ns.ip(['link']) as Link[]).map((l) => l.ifname), ['lo']);
});
