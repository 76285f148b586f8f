/**
 * The default `bridge` network with real containers, through the docker CLI: the
 * test daemon's own bridge and --bip subnet, addresses, routes, files, published
 * ports (fixed, ranges, ephemeral, -P) from the host's loopback and the gateway,
 * dockerd's errors, and everything gone at stop and rm. Traffic stays between
 * loopback, the test's bridge and its containers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { request } from 'node:http';
import { DOCKER_CLI_28 } from '../helpers/daemon.js';
import { bipOf, expectServed, fails, freePort, freeSubnet, natRules, netDaemon, ok, readFrom, server } from './helpers.js';

function api(socket: string, method: string, path: string, body: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, path, method, headers: { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => { text += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

test('default bridge: addresses, routes, files and published ports', async (t) => {
  const d = await netDaemon(t);
  const { gateway, subnet } = bipOf(d);
  const ls = await ok(d, ['network', 'ls', '--format', '{{.Name}} {{.Driver}}']);
  assert.deepEqual(ls.split('\n').sort(), ['bridge bridge', 'host host', 'none null']);
  const bridge = JSON.parse(await ok(d, ['network', 'inspect', 'bridge'])) as Array<Record<string, any>>;
  assert.deepEqual(bridge[0]!['IPAM'].Config, [{ Subnet: subnet, Gateway: gateway }]);
  assert.equal(bridge[0]!['Options']['com.docker.network.bridge.name'], d.network.bridge);
  assert.match(execFileSync('ip', ['-o', '-4', 'addr', 'show', 'dev', d.network.bridge], { encoding: 'utf8' }), new RegExp(`inet ${gateway}/24`));

  const hostPort = await freePort();
  await ok(d, ['run', '-d', '--name', 'web', '-p', `${hostPort}:80`, '-p', '127.0.0.1::81/udp', '--expose', '5000', 'busybox', ...server(80, 'hello')]);
  const ns = JSON.parse(await ok(d, ['inspect', '-f', '{{json .NetworkSettings}}', 'web'])) as Record<string, any>;
  const ip = ns['IPAddress'] as string;
  assert.equal(ns['Gateway'], gateway);
  assert.equal(ns['IPPrefixLen'], 24);
  assert.ok(ip.startsWith(gateway.replace(/\.1$/, '.')), `${ip} in ${subnet}`);
  const hex = ip.split('.').map((n) => Number(n).toString(16).padStart(2, '0')).join(':');
  assert.equal(ns['MacAddress'], `02:42:${hex}`);
  assert.equal(ns['Networks'].bridge.IPAddress, ip);
  // As dockerd 20.10 with its userland proxy: published on IPv4 and IPv6 alike.
  assert.deepEqual(ns['Ports']['80/tcp'], [{ HostIp: '0.0.0.0', HostPort: String(hostPort) }, { HostIp: '::', HostPort: String(hostPort) }]);
  assert.equal(ns['Ports']['5000/tcp'], null);
  const udp = Number(ns['Ports']['81/udp'][0].HostPort);
  assert.ok(udp >= 32768, `ephemeral port ${udp}`);
  assert.match(await ok(d, ['port', 'web', '80']), new RegExp(`0\\.0\\.0\\.0:${hostPort}`));
  assert.match(await ok(d, ['ps', '--format', '{{.Ports}}']), new RegExp(`0\\.0\\.0\\.0:${hostPort}->80/tcp`));

  await t.test('eth0, default route, /etc/hosts', async () => {
    const addr = await ok(d, ['exec', 'web', 'ip', '-o', '-4', 'addr', 'show', 'dev', 'eth0']);
    assert.match(addr, new RegExp(`inet ${ip}/24`));
    assert.match(await ok(d, ['exec', 'web', 'ip', 'route']), new RegExp(`default via ${gateway} dev eth0`));
    const id = await ok(d, ['inspect', '-f', '{{.Id}}', 'web']);
    assert.match(await ok(d, ['exec', 'web', 'cat', '/etc/hosts']), new RegExp(`${ip}\\t${id.slice(0, 12)}`));
    // --add-host NAME:host-gateway names the default bridge's gateway, as dockerd 20.10 writes it.
    const extra = await ok(d, ['run', '--rm', '--add-host', 'a:192.0.2.5', '--add-host', 'gw:host-gateway', 'busybox', 'grep', '-E', '\\s(a|gw)$', '/etc/hosts']);
    assert.equal(extra, `192.0.2.5\ta\n${gateway}\tgw`);
  });

  await t.test('published port from loopback, the gateway and directly', async () => {
    await expectServed('127.0.0.1', hostPort, 'hello');
    await expectServed(gateway, hostPort, 'hello');
    await expectServed(ip, 80, 'hello');
  });

  await t.test('containers reach each other and the host through the gateway', async () => {
    await ok(d, ['run', '--rm', 'busybox', 'ping', '-c', '1', '-W', '3', ip]);
    const http = createServer((_req, res) => res.end('from-host'));
    await new Promise<void>((r) => http.listen(0, gateway, r));
    t.after(() => new Promise<void>((r) => http.close(() => r())));
    const port = (http.address() as { port: number }).port;
    assert.equal(await ok(d, ['run', '--rm', 'busybox', 'wget', '-q', '-O', '-', `http://${gateway}:${port}/`]), 'from-host');
  });

  await t.test('a host port in use: dockerd\'s error, nothing half-made', async () => {
    const rulesBefore = natRules(d.network.prefix);
    const r = await d.docker(['run', '-d', '--name', 'clash', '-p', `${hostPort}:80`, 'busybox', 'sleep', '60']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`driver failed programming external connectivity on endpoint clash \\([0-9a-f]{64}\\): Bind for 0\\.0\\.0\\.0:${hostPort} failed: port is already allocated`));
    assert.equal(await ok(d, ['inspect', '-f', '{{.State.Status}} {{.NetworkSettings.IPAddress}}', 'clash']), 'created');
    assert.equal(natRules(d.network.prefix), rulesBefore);
    await ok(d, ['rm', 'clash']);
  });

  await t.test('-P publishes exposed ports on ephemeral ports; ranges', async () => {
    const [a, b] = [await freePort(), await freePort()].sort((x, y) => x - y) as [number, number];
    const range = b === a + 1 ? `${a}-${b}` : `${a}-${a}`;
    await ok(d, ['run', '-d', '--name', 'pub', '-P', '--expose', '7000', '-p', `${range}:90${b === a + 1 ? '-91' : ''}`, 'busybox', ...server(7000, 'seven')]);
    const port = Number(await ok(d, ['inspect', '-f', '{{(index (index .NetworkSettings.Ports "7000/tcp") 0).HostPort}}', 'pub']));
    assert.ok(port >= 32768);
    await expectServed('127.0.0.1', port, 'seven');
    assert.match(await ok(d, ['port', 'pub', '90']), new RegExp(`:${a}$`));
    await ok(d, ['rm', '-f', 'pub']);
  });

  await t.test('bad input in dockerd\'s words', async () => {
    // CLI 28 sends these for the default network (and dockerd refuses them); 20.10 drops them.
    await fails(d, ['run', '--rm', '--ip', '10.1.1.1', 'busybox', 'true'], /user specified IP address is supported on user defined networks only/, DOCKER_CLI_28);
    await fails(d, ['run', '--rm', '--network-alias', 'x', 'busybox', 'true'], /network-scoped alias/, DOCKER_CLI_28);
    // On none and host, dockerd keeps the address asked for and refuses it at start.
    for (const mode of ['none', 'host']) {
      await ok(d, ['create', '--name', `ip-${mode}`, '--network', mode, '--ip', '10.1.1.1', 'busybox', 'true']);
      await fails(d, ['start', `ip-${mode}`], /user specified IP address is supported on user defined networks only/);
      assert.equal(await ok(d, ['inspect', '-f', `{{json .NetworkSettings.Networks.${mode}.IPAMConfig}}`, `ip-${mode}`]), '{"IPv4Address":"10.1.1.1"}');
      await ok(d, ['rm', `ip-${mode}`]);
    }
    await fails(d, ['run', '--rm', '--network', 'nope', 'busybox', 'true'], /network nope not found/);
    // sctp: created and shown, but no SCTP socket can hold or proxy it: the start fails as
    // dockerd's does on a kernel without SCTP, and nothing of the other ports stays.
    await ok(d, ['create', '--name', 'sctp', '-p', '127.0.0.1::80/sctp', '-p', '127.0.0.1::81', 'busybox', 'sleep', '60']);
    assert.equal(await ok(d, ['inspect', '-f', '{{json .HostConfig.PortBindings}}', 'sctp']), '{"80/sctp":[{"HostIp":"127.0.0.1","HostPort":""}],"81/tcp":[{"HostIp":"127.0.0.1","HostPort":""}]}');
    await fails(d, ['start', 'sctp'], /driver failed programming external connectivity on endpoint sctp \([0-9a-f]{64}\): Error starting userland proxy: protocol not supported/);
    assert.equal(await ok(d, ['inspect', '-f', '{{.State.Status}} {{json .NetworkSettings.Ports}}', 'sctp']), 'created {}');
    await ok(d, ['rm', 'sctp']);
    const r = await api(d.socket, 'POST', '/containers/create', { Image: 'busybox', HostConfig: { PortBindings: { '80/tcp': [{ HostPort: 'x' }] } } });
    assert.equal(r.status, 400);
    assert.equal(JSON.parse(r.body).message, 'invalid port specification: "x"');
    await fails(d, ['network', 'rm', 'bridge'], /bridge is a pre-defined network and cannot be removed/);
    await fails(d, ['network', 'create', 'host'], /operation is not permitted on predefined host network/);
  });

  await t.test('stop takes the ports away, rm the endpoint', async () => {
    await ok(d, ['stop', '-t', '1', 'web']);
    assert.ok(!natRules(d.network.prefix).includes(`--dport ${hostPort}`), 'DNAT rule left after stop');
    assert.equal(await readFrom('127.0.0.1', hostPort, 1000), '');
    assert.equal(await ok(d, ['inspect', '-f', '{{.NetworkSettings.IPAddress}}|{{json .NetworkSettings.Ports}}', 'web']), '|{}');
    const links = execFileSync('ip', ['-o', 'link', 'show', 'master', d.network.bridge], { encoding: 'utf8' });
    assert.equal(links.trim(), '', 'veths left on the bridge');
    await ok(d, ['rm', 'web']);
  });
});

test('--userland-proxy=false, --icc=false, --dns*; host, none and container: modes', async (t) => {
  const d = await netDaemon(t, { args: ['--userland-proxy=false', '--icc=false', '--dns', '10.9.9.9', '--dns-search', 'corp.test', '--dns-opt', 'ndots:3'] });
  const { gateway } = bipOf(d);
  assert.equal(execFileSync('cat', [`/proc/sys/net/ipv4/conf/${d.network.bridge}/route_localnet`], { encoding: 'utf8' }).trim(), '1');
  const hostPort = await freePort();
  await ok(d, ['run', '-d', '--name', 'srv', '-p', `${hostPort}:80`, 'busybox', ...server(80, 'direct')]);
  await expectServed('127.0.0.1', hostPort, 'direct');
  await expectServed(gateway, hostPort, 'direct');
  // No proxy, no IPv6 binding (dockerd 20.10 has no ip6tables rules by default either).
  assert.equal(await ok(d, ['inspect', '-f', '{{json .NetworkSettings.Ports}}', 'srv']), `{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"${hostPort}"}]}`);
  const ip = await ok(d, ['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'srv']);
  const r = await d.docker(['run', '--rm', 'busybox', 'ping', '-c', '1', '-W', '1', ip]);
  assert.notEqual(r.code, 0, 'icc=false lets containers reach each other');
  assert.equal(await ok(d, ['exec', 'srv', 'cat', '/etc/resolv.conf']), 'search corp.test\nnameserver 10.9.9.9\noptions ndots:3');
  assert.equal(await ok(d, ['run', '--rm', '--dns', '10.8.8.8', 'busybox', 'grep', 'nameserver', '/etc/resolv.conf']), 'nameserver 10.8.8.8');
  // none: loopback only; host: the host's links; container:<x>: x's address.
  assert.doesNotMatch(await ok(d, ['run', '--rm', '--network', 'none', 'busybox', 'ip', '-o', 'link']), /eth0/);
  assert.match(await ok(d, ['run', '--rm', '--network', 'host', 'busybox', 'ip', '-o', 'link']), new RegExp(d.network.bridge));
  assert.match(await ok(d, ['run', '--rm', '--network', 'container:srv', 'busybox', 'ip', '-o', '-4', 'addr']), new RegExp(`inet ${ip}/`));
  assert.equal(await ok(d, ['inspect', '-f', '{{json .NetworkSettings.Networks}}', 'srv']).then((j) => Object.keys(JSON.parse(j)).join()), 'bridge');
  await ok(d, ['rm', '-f', 'srv']);
});

test('-b uses an existing bridge and its address, never deletes it; --fixed-cidr bounds the addresses', async (t) => {
  const name = `berth${randomBytes(4).toString('hex')}`;
  const subnet = freeSubnet();
  const base = subnet.replace(/\.0\/24$/, '');
  execFileSync('ip', ['link', 'add', 'name', name, 'type', 'bridge']);
  t.after(() => { try { execFileSync('ip', ['link', 'del', 'dev', name]); } catch { /* gone */ } });
  execFileSync('ip', ['addr', 'add', `${base}.1/24`, 'dev', name]);
  execFileSync('ip', ['link', 'set', 'dev', name, 'up']);
  const d = await netDaemon(t, { args: ['-b', name, '--fixed-cidr', `${base}.128/25`] });
  const cfg = await ok(d, ['network', 'inspect', '-f', '{{json .IPAM.Config}}', 'bridge']);
  assert.deepEqual(JSON.parse(cfg), [{ Subnet: subnet, Gateway: `${base}.1`, IPRange: `${base}.128/25` }]);
  const ip = await ok(d, ['run', '--rm', 'busybox', 'sh', '-c', 'ip -o -4 addr show dev eth0']);
  assert.match(ip, new RegExp(`inet ${base}\\.128/24`));
  await d.stop();
  assert.match(execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' }), new RegExp(` ${name}:`), 'berth deleted a bridge it did not make');
});
