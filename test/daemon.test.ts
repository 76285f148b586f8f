import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { DOCKER_CLI_20, ping, runBerth, startDaemon, tempDir, waitFor } from './helpers/daemon.js';

// The daemon process as an operator sees it: flags, config file, pidfile, signals.

/** A free loopback port (bound then released; fine for a test on one machine). */
function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    }).on('error', rej);
  });
}

/**
 * No network for daemons run by hand: without these, a daemon that gets as far as
 * networking would make the default berth0 bridge and BERTH chains, which another
 * daemon may be using.
 */
const NO_NETWORK = ['-b', 'none', '--iptables=false'];

/** The harness's roots for a daemon run by hand in `dir`, without a network. */
function roots(dir: string): string[] {
  return ['--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '--pidfile', join(dir, 'berth.pid'), ...NO_NETWORK];
}

test('berth -v prints the version', async () => {
  const r = await runBerth(['-v']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, 'berth version 0.1.0\n');
});

test('the daemon serves the docker CLI (28 and 20.10) and dockerode on its socket', async (t) => {
  const d = await startDaemon(t);
  assert.equal(readFileSync(d.pidfile, 'utf8').trim(), String(d.pid));
  assert.equal(statSync(d.socket).mode & 0o777, 0o660, 'socket mode 0660');
  for (const cli of [undefined, DOCKER_CLI_20]) {
    const r = await d.docker(['version', '--format', '{{.Server.APIVersion}} {{.Server.Os}}'], { cli });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '1.41 linux');
  }
  assert.equal(String(await d.client().ping()), 'OK');
});

test('a second daemon on the same pidfile is refused; SIGTERM removes pidfile and socket and exits 0', async (t) => {
  const d = await startDaemon(t);
  const other = tempDir(t);
  const r = await runBerth(['-d', '-H', `unix://${join(other, 's.sock')}`, '--data-root', join(other, 'data'),
    '--exec-root', join(other, 'exec'), '--pidfile', d.pidfile, ...NO_NETWORK]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `failed to start daemon: pid file found, ensure berth is not running or delete ${d.pidfile}\n`);
  assert.ok(await ping(d.socket), 'the first daemon still serves');

  d.kill('SIGTERM');
  assert.equal(await d.exited, 0);
  assert.ok(!existsSync(d.pidfile), 'pidfile removed');
  assert.ok(!existsSync(d.socket), 'socket removed');
});

test('SIGINT also shuts down cleanly', async (t) => {
  const d = await startDaemon(t);
  d.kill('SIGINT');
  assert.equal(await d.exited, 0);
  assert.ok(!existsSync(d.pidfile));
});

test('the data root bound on itself at boot is unbound at shutdown, also after a daemon that was killed', async (t) => {
  const d = await startDaemon(t);
  const root = realpathSync(join(d.dir, 'data'));
  const mounted = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === root);
  assert.ok(mounted(), 'the data root is its own shared mount while the daemon runs');
  d.kill('SIGKILL');
  await d.exited;
  await d.restart();
  assert.equal(await d.stop(), 0);
  assert.ok(!mounted(), 'the bind made by the killed daemon was left behind');
});

test('SIGHUP reloads debug from the config file; a broken file is logged and ignored', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'daemon.json');
  writeFileSync(file, JSON.stringify({ 'log-level': 'info', labels: ['a=1'] }));
  const d = await startDaemon(t, { args: ['--config-file', file] });
  await d.docker(['version']);
  assert.doesNotMatch(d.log(), /level=debug/, 'no debug lines at info level');

  writeFileSync(file, JSON.stringify({ debug: true, labels: ['a=2'] }));
  d.kill('SIGHUP');
  await waitFor('the reload line', () => /Reloaded configuration: .*debug\\":true/.test(d.log()));
  await d.docker(['version']);
  await waitFor('a debug line', () => /level=debug msg="job system_ping/.test(d.log()));

  writeFileSync(file, '{bad');
  d.kill('SIGHUP');
  await waitFor('the reload error', () => /level=error msg="Error reloading configuration: unable to configure the berth daemon/.test(d.log()));
  assert.ok(await ping(d.socket), 'still serving after a bad reload');
});

test('a key set both as a flag and in the file is refused with dockerd words', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'daemon.json');
  writeFileSync(file, JSON.stringify({ hosts: ['tcp://127.0.0.1:2399'], debug: false }));
  const r = await runBerth(['-d', '--config-file', file, '-H', `unix://${dir}/x.sock`, '-D', ...roots(dir)]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `unable to configure the berth daemon with file ${file}: the following directives are specified both as a flag ` +
    `and in the configuration file: debug: (from flag: true, from file: false), hosts: (from flag: [unix://${dir}/x.sock], from file: [tcp://127.0.0.1:2399])\n`);
  assert.ok(!existsSync(join(dir, 'berth.pid')), 'refused before taking the pidfile');
});

test('unknown config keys, unknown flags, bad log levels and a missing named file fail on one line', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'daemon.json');
  writeFileSync(file, JSON.stringify({ foo: 1, debug: true }));
  const cases: [string[], RegExp][] = [
    [['--config-file', file], /^unable to configure the berth daemon with file .*: the following directives don't match any configuration option: foo\n$/],
    [['--config-file', join(dir, 'none.json')], /no such file or directory\n$/],
    [['--bogus-flag'], /^Unknown argument: bogus-flag\n$/],
    [['-l', 'chatty'], /^unable to parse logging level: chatty\n$/],
  ];
  for (const [args, expected] of cases) {
    const r = await runBerth(['-d', '-H', `unix://${dir}/s.sock`, ...roots(dir), ...args]);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.stderr, expected);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

test('-g still sets the data root, with a deprecation warning', async (t) => {
  const d = await startDaemon(t, {
    rawArgs: (dir) => ['-d', '-H', `unix://${dir}/berth.sock`, '-g', join(dir, 'graph'), '--exec-root', join(dir, 'exec'), '--pidfile', join(dir, 'berth.pid'), ...NO_NETWORK],
  });
  assert.match(d.log(), /Flag --graph has been deprecated, Use --data-root instead/);
  assert.ok(existsSync(join(d.dir, 'graph')), 'data root created where -g says');
});

test('plain TCP serves on loopback, and is refused on 0.0.0.0 without --insecure-tcp', async (t) => {
  const port = await freePort();
  const d = await startDaemon(t, { args: ['-H', `tcp://127.0.0.1:${port}`] });
  const r = await fetch(`http://127.0.0.1:${port}/_ping`);
  assert.equal(r.status, 200);
  assert.equal(await r.text(), 'OK');
  assert.equal(r.headers.get('api-version'), '1.41');

  const dir = tempDir(t);
  const refused = await runBerth(['-d', '-H', `tcp://0.0.0.0:${await freePort()}`, ...roots(dir)], { timeoutMs: 5000 });
  assert.notEqual(refused.code, 0, 'plain TCP on all interfaces must be refused');
  assert.match(refused.stderr, /insecure-tcp|TLS/i);
  assert.ok(!existsSync(join(dir, 'berth.pid')), 'pidfile released after a refused start');
});

test('-s aufs fails with a clear message on a kernel without aufs', async (t) => {
  const dir = tempDir(t);
  const r = await runBerth(['-d', '-H', `unix://${dir}/s.sock`, ...roots(dir), '-s', 'aufs']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /aufs/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.ok(!existsSync(join(dir, 'berth.pid')));
});
