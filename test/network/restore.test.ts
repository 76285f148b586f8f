/**
 * Networking across a daemon SIGKILL and restart: a running container keeps its
 * address, veth and published port (the proxy comes back), its DNS name still
 * resolves; a container that exited while the daemon was away has its rules
 * removed at start-up, and rules berth did not make are never touched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { waitFor } from '../helpers/daemon.js';
import { expectServed, freePort, freeSubnet, natRules, netDaemon, ok, server } from './helpers.js';

test('live endpoints survive a daemon kill; dead ones are reconciled', async (t) => {
  const d = await netDaemon(t);
  const keepPort = await freePort();
  const gonePort = await freePort();
  await ok(d, ['network', 'create', '--subnet', freeSubnet(), 'mesh']);
  await ok(d, ['run', '-d', '--name', 'keep', '-p', `${keepPort}:80`, 'busybox', ...server(80, 'still-here')]);
  await ok(d, ['run', '-d', '--name', 'peer', '--network', 'mesh', 'busybox', 'sleep', '600']);
  await ok(d, ['run', '-d', '--name', 'ghost', '--network', 'mesh', 'busybox', 'sleep', '600']);
  await ok(d, ['run', '-d', '--name', 'brief', '-p', `${gonePort}:80`, 'busybox', 'sleep', '600']);
  const ip = await ok(d, ['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'keep']);
  const briefPid = Number(await ok(d, ['inspect', '-f', '{{.State.Pid}}', 'brief']));
  await expectServed('127.0.0.1', keepPort, 'still-here');
  // Someone else's rule in a built-in chain: berth must leave it alone.
  const mark = `not-berth-${randomBytes(4).toString('hex')}`;
  const foreign = ['-w', '-t', 'nat', '-A', 'POSTROUTING', '-s', '10.254.254.254/32', '-m', 'comment', '--comment', mark, '-j', 'RETURN'];
  const dropForeign = (): void => { try { execFileSync('iptables', foreign.map((a) => (a === '-A' ? '-D' : a))); } catch { /* already gone */ } };
  execFileSync('iptables', foreign);
  t.after(dropForeign);

  d.kill('SIGKILL');
  await d.exited;
  process.kill(briefPid, 'SIGKILL'); // exits while the daemon is away
  await d.restart();

  assert.equal(await ok(d, ['inspect', '-f', '{{.State.Running}} {{.NetworkSettings.IPAddress}}', 'keep']), `true ${ip}`);
  await expectServed('127.0.0.1', keepPort, 'still-here');
  await expectServed(ip, 80, 'still-here');
  assert.match(await ok(d, ['exec', 'peer', 'nslookup', 'ghost']), /Address: /);
  await waitFor('brief to be recorded exited', async () => (await ok(d, ['inspect', '-f', '{{.State.Running}}', 'brief'])) === 'false');
  assert.ok(!natRules(d.network.prefix).includes(`--dport ${gonePort}`), 'the dead container\'s DNAT rule was left');
  assert.ok(natRules(d.network.prefix).includes(`--dport ${keepPort}`), 'the live container\'s DNAT rule was reconciled away');
  const filter = execFileSync('iptables', ['-w', '-S', d.network.prefix], { encoding: 'utf8' });
  assert.ok(filter.includes(`-d ${ip}/32`), 'the live container\'s ACCEPT rule was reconciled away');
  assert.match(execFileSync('iptables', ['-w', '-t', 'nat', '-S', 'POSTROUTING'], { encoding: 'utf8' }), new RegExp(mark));
  dropForeign();
  await ok(d, ['rm', '-f', 'keep', 'peer', 'ghost', 'brief']);
  await ok(d, ['network', 'rm', 'mesh']);
});
