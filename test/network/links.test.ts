import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fails, netDaemon, ok } from './helpers.js';

/**
 * Legacy links on the default bridge, and endpoint settings, compared with dockerd 20.10: the parent finds
 * the child under its alias, hostname and name in /etc/hosts, gets the link's
 * variables, inspect shows dockerd's form, and the refusals are dockerd's words.
 */
test('--link on the default bridge: hosts, environment, inspect, refusals', { timeout: 120_000 }, async (t) => {
  const d = await netDaemon(t);
  await ok(d, ['run', '-d', '--name', 'db', '-e', 'FOO=bar', '--expose', '80', '--expose', '53/udp', 'busybox', 'sleep', '600']);
  const ip = await ok(d, ['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'db']);
  const hostname = await ok(d, ['inspect', '-f', '{{.Config.Hostname}}', 'db']);
  const out = await ok(d, ['run', '--rm', '--name', 'app', '--link', 'db:my-db', 'busybox', 'sh', '-c', 'grep my-db /etc/hosts; env | grep ^MY_DB | sort; ping -c 1 -W 3 my-db >/dev/null && echo reached']);
  assert.deepEqual(out.split('\n'), [
    `${ip}\tmy-db ${hostname} db`,
    'MY_DB_ENV_FOO=bar',
    'MY_DB_NAME=/app/my-db',
    `MY_DB_PORT=udp://${ip}:53`,
    `MY_DB_PORT_53_UDP=udp://${ip}:53`, `MY_DB_PORT_53_UDP_ADDR=${ip}`, 'MY_DB_PORT_53_UDP_PORT=53', 'MY_DB_PORT_53_UDP_PROTO=udp',
    `MY_DB_PORT_80_TCP=tcp://${ip}:80`, `MY_DB_PORT_80_TCP_ADDR=${ip}`, 'MY_DB_PORT_80_TCP_PORT=80', 'MY_DB_PORT_80_TCP_PROTO=tcp',
    'reached',
  ]);
  await ok(d, ['create', '--name', 'later', '--link', 'db', 'busybox', 'true']);
  assert.equal(await ok(d, ['inspect', '-f', '{{json .HostConfig.Links}}', 'later']), '["/db:/later/db"]');
  await fails(d, ['run', '--rm', '--link', 'nosuch:x', 'busybox', 'true'], /could not get container for nosuch: No such container: nosuch/);
  await ok(d, ['stop', '-t', '0', 'db']);
  await fails(d, ['start', 'later'], /Cannot link to a non running container: \/db AS \/later\/db/);
  await ok(d, ['rm', '-f', 'db', 'later']);
});

test('NetworkID in a container\'s endpoint settings: empty until it first starts, then kept', { timeout: 120_000 }, async (t) => {
  const d = await netDaemon(t);
  const id = async (name: string, net: string): Promise<string> => ok(d, ['inspect', '-f', `{{.NetworkSettings.Networks.${net}.NetworkID}}`, name]);
  for (const net of ['none', 'bridge']) {
    const name = `c-${net}`;
    const netId = await ok(d, ['network', 'inspect', '-f', '{{.Id}}', net]);
    await ok(d, ['create', '--name', name, '--network', net, 'busybox', 'sleep', '600']);
    assert.equal(await id(name, net), '', `${net}: created`);
    await ok(d, ['start', name]);
    assert.equal(await id(name, net), netId, `${net}: running`);
    await ok(d, ['stop', '-t', '0', name]);
    assert.equal(await id(name, net), netId, `${net}: stopped`);
    await ok(d, ['rm', name]);
  }
});

test('links on a user-defined network: the alias resolves, inspect shows null as dockerd\'s link graph does', { timeout: 120_000 }, async (t) => {
  const d = await netDaemon(t);
  await ok(d, ['network', 'create', 'ln']);
  await ok(d, ['run', '-d', '--name', 'lweb', '--network', 'ln', 'busybox', 'sleep', '600']);
  assert.equal(await ok(d, ['run', '--rm', '--network', 'ln', '--link', 'lweb:wl', 'busybox', 'sh', '-c', 'ping -c 1 -W 3 wl >/dev/null && echo reached']), 'reached');
  await ok(d, ['create', '--name', 'lc', '--network', 'ln', '--link', 'lweb:wl', 'busybox', 'true']);
  assert.equal(await ok(d, ['inspect', '-f', '{{json .HostConfig.Links}} {{json .NetworkSettings.Networks.ln.Links}}', 'lc']), 'null ["lweb:wl"]');
  // Not a name of lweb's either, as a default-bridge link would be.
  assert.equal(await ok(d, ['ps', '-a', '--filter', 'name=lweb', '--format', '{{.Names}}']), 'lweb');
  await ok(d, ['rm', '-f', 'lc', 'lweb']);
  await ok(d, ['network', 'rm', 'ln']);
});

test('--network container:X takes X\'s hostname and domain name at start, and X\'s file paths', { timeout: 120_000 }, async (t) => {
  const d = await netDaemon(t);
  await ok(d, ['run', '-d', '--name', 'n1', '-h', 'first', '--domainname', 'd.org', '--network', 'none', 'busybox', 'sleep', '600']);
  assert.equal(await ok(d, ['run', '--rm', '--network', 'container:n1', 'busybox', 'hostname']), 'first');
  await ok(d, ['create', '--name', 'n2', '--network', 'container:n1', 'busybox', 'sleep', '600']);
  const id2 = await ok(d, ['inspect', '-f', '{{.Id}}', 'n2']);
  assert.equal(await ok(d, ['inspect', '-f', '{{.Config.Hostname}}', 'n2']), id2.slice(0, 12), 'created: its own, as dockerd');
  await ok(d, ['start', 'n2']);
  assert.equal(await ok(d, ['inspect', '-f', '{{.Config.Hostname}} {{.Config.Domainname}}', 'n2']), 'first d.org');
  assert.equal(await ok(d, ['inspect', '-f', '{{.HostsPath}}', 'n2']), await ok(d, ['inspect', '-f', '{{.HostsPath}}', 'n1']));
  await ok(d, ['rm', '-f', 'n2', 'n1']);
});
