/**
 * What dockerd 20.10 does as a running container's networks change, through the
 * docker CLI (20.10 and 28): published ports on IPv4 and IPv6; /etc/hosts edited on
 * connect and disconnect; the default route and published ports following the
 * gateway network (non-internal first, then by network name) when it is connected
 * or disconnected; DNS names following `docker rename`; default address pools from
 * daemon.json and the flag. Names the embedded DNS does not know go to 127.0.0.1
 * (--dns), so no query leaves the host.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOCKER_CLI_20, DOCKER_CLI_28, runBerth, tempDir } from '../helpers/daemon.js';
import { expectServed, freePort, freeSubnet, natRules, netDaemon, ok, readFrom, server } from './helpers.js';

const DNS = ['--dns', '127.0.0.1'];

/** The container's own lines of /etc/hosts (after the six standard ones). */
async function selfLines(d: Parameters<typeof ok>[0], name: string): Promise<string[]> {
  const text = await ok(d, ['exec', name, 'cat', '/etc/hosts']);
  return text.split('\n').slice(6).filter((l) => l !== '');
}

async function addressOn(d: Parameters<typeof ok>[0], name: string, network: string): Promise<string> {
  return ok(d, ['inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, name]);
}

test('published ports on 0.0.0.0 and ::, as dockerd 20.10 with its userland proxy', async (t) => {
  const d = await netDaemon(t);
  const hostPort = await freePort();
  await ok(d, ['run', '-d', '--name', 'web', '-p', `${hostPort}:80`, '-p', '81', '-p', '127.0.0.1::82', 'busybox', ...server(80, 'hello')]);
  const ports = JSON.parse(await ok(d, ['inspect', '-f', '{{json .NetworkSettings.Ports}}', 'web'])) as Record<string, Array<{ HostIp: string; HostPort: string }>>;
  assert.deepEqual(ports['80/tcp'], [{ HostIp: '0.0.0.0', HostPort: String(hostPort) }, { HostIp: '::', HostPort: String(hostPort) }]);
  assert.deepEqual(ports['81/tcp']!.map((p) => p.HostIp), ['0.0.0.0', '::']);
  assert.deepEqual(ports['82/tcp']!.map((p) => p.HostIp), ['127.0.0.1'], 'a named address is published alone');
  // Each CLI prints the IPv6 binding its own way.
  assert.equal((await d.docker(['port', 'web', '80'], { cli: DOCKER_CLI_20 })).stdout.trim(), `0.0.0.0:${hostPort}\n:::${hostPort}`);
  assert.equal((await d.docker(['port', 'web', '80'], { cli: DOCKER_CLI_28 })).stdout.trim(), `0.0.0.0:${hostPort}\n[::]:${hostPort}`);
  assert.match((await d.docker(['ps', '--format', '{{.Ports}}'], { cli: DOCKER_CLI_20 })).stdout, new RegExp(`0\\.0\\.0\\.0:${hostPort}->80/tcp, :::${hostPort}->80/tcp`));
  await expectServed('::1', hostPort, 'hello');
  await expectServed('127.0.0.1', hostPort, 'hello');
  // IPv6 goes through the proxy alone: no DNAT rule names ::.
  assert.doesNotMatch(natRules(d.network.prefix), /::/);
  await ok(d, ['stop', '-t', '1', 'web']);
  assert.equal(await readFrom('::1', hostPort, 1000), '', 'the IPv6 proxy is gone at stop');
  await ok(d, ['rm', 'web']);
});

test('/etc/hosts on connect and disconnect, as dockerd 20.10 edits it', async (t) => {
  const d = await netDaemon(t, { args: DNS });
  await ok(d, ['network', 'create', '--subnet', freeSubnet(), 'zeta']);
  const id = await ok(d, ['run', '-d', '--name', 'h1', 'busybox', 'sleep', '600']);
  const short = id.slice(0, 12);
  const ip0 = await addressOn(d, 'h1', 'bridge');
  assert.deepEqual(await selfLines(d, 'h1'), [`${ip0}\t${short}`]);

  await ok(d, ['network', 'connect', 'zeta', 'h1']);
  const ip1 = await addressOn(d, 'h1', 'zeta');
  assert.deepEqual(await selfLines(d, 'h1'), [`${ip0}\t${short}`, `${ip1}\t${short}`], 'a line for the new address');
  // dockerd 20.10 removes every line of the hostname, the other network's too.
  const r = await d.docker(['network', 'disconnect', 'zeta', 'h1'], { cli: DOCKER_CLI_20 });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await selfLines(d, 'h1'), []);

  // Leaving the default bridge (no service records there) leaves the file alone;
  // a hostname with a domain name ends its lines with the bare name, which stays.
  await ok(d, ['run', '-d', '--name', 'h2', '--hostname', 'foo', '--domainname', 'example.test', 'busybox', 'sleep', '600']);
  await ok(d, ['network', 'connect', 'zeta', 'h2']);
  const two = await selfLines(d, 'h2');
  assert.deepEqual(two.map((l) => l.split('\t')[1]), ['foo.example.test foo', 'foo.example.test foo']);
  await ok(d, ['network', 'disconnect', 'bridge', 'h2']);
  assert.deepEqual(await selfLines(d, 'h2'), two);
  await ok(d, ['network', 'disconnect', 'zeta', 'h2']);
  assert.deepEqual(await selfLines(d, 'h2'), two);

  await t.test('a restart writes a line per network', async () => {
    await ok(d, ['network', 'connect', 'zeta', 'h1']);
    await ok(d, ['restart', '-t', '0', 'h1']);
    const lines = await selfLines(d, 'h1');
    assert.deepEqual(lines, [`${await addressOn(d, 'h1', 'bridge')}\t${short}`, `${await addressOn(d, 'h1', 'zeta')}\t${short}`]);
  });
  await ok(d, ['rm', '-f', 'h1', 'h2']);
  await ok(d, ['network', 'rm', 'zeta']);
});

test('the default route and published ports follow the gateway network on connect and disconnect', async (t) => {
  const d = await netDaemon(t, { args: DNS });
  const [zetaNet, alphaNet] = [freeSubnet(), freeSubnet()];
  await ok(d, ['network', 'create', '--subnet', zetaNet, 'zeta']);
  await ok(d, ['network', 'create', '--subnet', alphaNet, 'alpha']);
  const hostPort = await freePort();
  await ok(d, ['run', '-d', '--name', 'pub', '-p', `${hostPort}:80`, '--expose', '90', 'busybox', ...server(80, 'moved')]);
  const dnatTo = (): string[] => natRules(d.network.prefix).split('\n').filter((l) => l.includes(`--dport ${hostPort} `)).map((l) => /--to-destination (\S+)/.exec(l)![1]!);
  const route = async (): Promise<string> => (await ok(d, ['exec', 'pub', 'ip', 'route'])).split('\n').find((l) => l.startsWith('default')) ?? '';
  const served = async (): Promise<void> => {
    await expectServed('127.0.0.1', hostPort, 'moved');
    await expectServed('::1', hostPort, 'moved');
  };
  const gw = (subnet: string): string => subnet.replace(/\.0\/24$/, '.1');
  const bridgeIp = await addressOn(d, 'pub', 'bridge');
  assert.deepEqual(dnatTo(), [`${bridgeIp}:80`]);

  // bridge sorts before zeta: nothing moves.
  await ok(d, ['network', 'connect', 'zeta', 'pub']);
  const zetaIp = await addressOn(d, 'pub', 'zeta');
  assert.deepEqual(dnatTo(), [`${bridgeIp}:80`]);

  await t.test('disconnecting the network that holds the ports moves them to the next one', async () => {
    await ok(d, ['network', 'disconnect', 'bridge', 'pub']);
    assert.deepEqual(dnatTo(), [`${zetaIp}:80`]);
    assert.match(await route(), new RegExp(`^default via ${gw(zetaNet).replace(/\./g, '\\.')} dev eth1`));
    await served();
    const ports = JSON.parse(await ok(d, ['inspect', '-f', '{{json .NetworkSettings.Ports}}', 'pub'])) as Record<string, unknown>;
    assert.deepEqual(ports['80/tcp'], [{ HostIp: '0.0.0.0', HostPort: String(hostPort) }, { HostIp: '::', HostPort: String(hostPort) }]);
  });

  await t.test('connecting a network that sorts first takes them', async () => {
    await ok(d, ['network', 'connect', 'alpha', 'pub']);
    const alphaIp = await addressOn(d, 'pub', 'alpha');
    assert.deepEqual(dnatTo(), [`${alphaIp}:80`]);
    assert.match(await route(), new RegExp(`^default via ${gw(alphaNet).replace(/\./g, '\\.')} `));
    await served();
    await ok(d, ['network', 'disconnect', 'alpha', 'pub']);
    assert.deepEqual(dnatTo(), [`${zetaIp}:80`]);
    await served();
  });

  await t.test('disconnected from every network: no ports, nothing left behind', async () => {
    await ok(d, ['network', 'disconnect', 'zeta', 'pub']);
    assert.deepEqual(dnatTo(), []);
    assert.equal(await readFrom('127.0.0.1', hostPort, 1000), '');
    assert.equal(await readFrom('::1', hostPort, 1000), '');
    assert.equal(await ok(d, ['inspect', '-f', '{{json .NetworkSettings.Ports}}', 'pub']), '{}');
    assert.equal(await ok(d, ['ps', '-f', 'name=pub', '--format', '{{.Ports}}']), '');
    assert.equal(await route(), '');
    // Connected again, the container publishes again.
    await ok(d, ['network', 'connect', 'bridge', 'pub']);
    assert.deepEqual(dnatTo(), [`${await addressOn(d, 'pub', 'bridge')}:80`]);
    await served();
  });

  await ok(d, ['rm', '-f', 'pub']);
  assert.deepEqual(dnatTo(), []);
  await ok(d, ['network', 'rm', 'zeta', 'alpha']);
});

test('DNS names follow docker rename', async (t) => {
  const d = await netDaemon(t, { args: DNS });
  await ok(d, ['network', 'create', '--subnet', freeSubnet(), 'names']);
  await ok(d, ['run', '-d', '--name', 'r1', '--network', 'names', '--network-alias', 'ra', 'busybox', 'sleep', '600']);
  await ok(d, ['run', '-d', '--name', 'asker', '--network', 'names', 'busybox', 'sleep', '600']);
  const ip = await addressOn(d, 'r1', 'names');
  await ok(d, ['rename', 'r1', 'r2']);
  for (const name of ['r2', 'ra']) assert.match(await ok(d, ['exec', 'asker', 'nslookup', name]), new RegExp(`Address: ${ip.replace(/\./g, '\\.')}`), name);
  const old = await d.docker(['exec', 'asker', 'timeout', '4', 'nslookup', 'r1']);
  assert.doesNotMatch(old.stdout, new RegExp(`Address: ${ip.replace(/\./g, '\\.')}`), 'the old name still answers');
  // A stopped container renamed answers under its new name once started.
  await ok(d, ['stop', '-t', '0', 'r2']);
  await ok(d, ['rename', 'r2', 'r3']);
  await ok(d, ['start', 'r3']);
  const ip3 = await addressOn(d, 'r3', 'names');
  assert.match(await ok(d, ['exec', 'asker', 'nslookup', 'r3']), new RegExp(`Address: ${ip3.replace(/\./g, '\\.')}`));
  await ok(d, ['rm', '-f', 'r3', 'asker']);
  await ok(d, ['network', 'rm', 'names']);
});

/** A /16 under 10.200-249 that no route on the host overlaps. */
function freeBase16(): string {
  const routes = execFileSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' });
  for (;;) {
    const b = `10.${randomInt(200, 250)}`;
    if (!routes.includes(`${b}.`)) return `${b}.0.0/16`;
  }
}

test('default-address-pools: daemon.json objects as dockerd reads them, and the flag', async (t) => {
  const dir = tempDir(t);
  const base = freeBase16();
  const file = join(dir, 'daemon.json');
  writeFileSync(file, JSON.stringify({ 'default-address-pools': [{ base, size: 24 }] }));
  const d = await netDaemon(t, { args: ['--config-file', file] });
  await ok(d, ['network', 'create', 'p1']);
  await ok(d, ['network', 'create', 'p2']);
  const prefix = base.replace(/\.0\.0\/16$/, '');
  assert.equal(await ok(d, ['network', 'inspect', '-f', '{{json .IPAM.Config}}', 'p1']), JSON.stringify([{ Subnet: `${prefix}.0.0/24`, Gateway: `${prefix}.0.1` }]));
  assert.equal(await ok(d, ['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Subnet}}', 'p2']), `${prefix}.1.0/24`);
  await ok(d, ['network', 'rm', 'p1', 'p2']);
  await d.stop();

  const f = await netDaemon(t, { args: ['--default-address-pools', `base=${base},size=26`] });
  await ok(f, ['network', 'create', 'q1']);
  assert.equal(await ok(f, ['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Subnet}}', 'q1']), `${prefix}.0.0/26`);
  await ok(f, ['network', 'rm', 'q1']);

  // The string form is the flag's only: dockerd's json error for it in the file.
  writeFileSync(file, JSON.stringify({ 'default-address-pools': [`base=${base},size=24`] }));
  const r = await runBerth(['-d', '--config-file', file, '-H', `unix://${dir}/x.sock`, '--data-root', join(dir, 'data'), '--pidfile', join(dir, 'x.pid'), '-b', 'none', '--iptables=false']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `unable to configure the berth daemon with file ${file}: json: cannot unmarshal string into Go struct field Config.default-address-pools of type ipamutils.NetworkToSplit\n`);
});
