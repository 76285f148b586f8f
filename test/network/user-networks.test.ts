/**
 * User-defined bridge networks through the docker CLI: create (subnet, gateway,
 * ip-range, internal, labels, bridge name), ls filters, inspect, DNS by name, alias
 * and short id from berth's server on the gateway, --ip, connect/disconnect, rm
 * refused while in use, prune, and each network's link and rules gone with it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { fakeResolver } from '../helpers/fake-dns.js';
import { fails, freeSubnet, netDaemon, ok } from './helpers.js';

function linkExists(name: string): boolean {
  return execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' }).includes(` ${name}:`);
}

function rulesMention(word: string): boolean {
  return execFileSync('iptables-save', [], { encoding: 'utf8' }).includes(word);
}

test('user-defined networks: create, DNS, connect, rm, prune', async (t) => {
  const d = await netDaemon(t);
  const subnet = freeSubnet();
  const base = subnet.replace(/\.0\/24$/, '');
  const dev = `bt-${randomBytes(4).toString('hex')}`;
  const id = await ok(d, ['network', 'create', '--subnet', subnet, '--gateway', `${base}.254`, '--ip-range', `${base}.128/25`,
    '--label', 'team=net', '-o', `com.docker.network.bridge.name=${dev}`, 'front']);
  assert.match(id, /^[0-9a-f]{64}$/);
  assert.ok(linkExists(dev), `bridge ${dev} made`);
  const [n] = JSON.parse(await ok(d, ['network', 'inspect', 'front'])) as Array<Record<string, any>>;
  assert.deepEqual(n!['IPAM'].Config, [{ Subnet: subnet, IPRange: `${base}.128/25`, Gateway: `${base}.254` }]);
  assert.deepEqual(n!['Labels'], { team: 'net' });
  assert.equal(n!['Options']['com.docker.network.bridge.name'], dev);

  await t.test('create refusals in dockerd\'s words', async () => {
    await fails(d, ['network', 'create', 'front'], /network with name front already exists/);
    await fails(d, ['network', 'create', '--subnet', subnet, 'other'], /Pool overlaps with other one on this address space/);
    await fails(d, ['network', 'create', '-d', 'nosuch', 'other'], /plugin "nosuch" not found/);
    await fails(d, ['network', 'create', '-d', 'host', 'other'], /only one instance of "host" network is allowed/);
    // Scopes that need a swarm, refused as by dockerd 20.10 outside one; nothing made.
    await fails(d, ['network', 'create', '--scope', 'swarm', 'other'], /cannot create a swarm scoped network when swarm is not active/);
    await fails(d, ['network', 'create', '--scope', 'global', 'other'], /This node is not a swarm manager/);
    assert.doesNotMatch(await ok(d, ['network', 'ls', '--format', '{{.Name}}']), /other/);
  });

  await t.test('ls filters', async () => {
    const names = async (...f: string[]): Promise<string> => (await ok(d, ['network', 'ls', ...f.flatMap((x) => ['-f', x]), '--format', '{{.Name}}'])).split('\n').sort().join(',');
    assert.equal(await names('label=team=net'), 'front');
    assert.equal(await names('type=custom'), 'front');
    assert.equal(await names('type=builtin'), 'bridge,host,none');
    assert.equal(await names('driver=null'), 'none');
    assert.equal(await names('name=fro'), 'front');
    assert.equal(await names(`id=${id.slice(0, 12)}`), 'front');
  });

  await ok(d, ['run', '-d', '--name', 'api', '--network', 'front', '--ip', `${base}.10`, '--network-alias', 'backend', 'busybox', 'sleep', '600']);
  await ok(d, ['run', '-d', '--name', 'worker', '--network', 'front', 'busybox', 'sleep', '600']);
  const apiId = await ok(d, ['inspect', '-f', '{{.Id}}', 'api']);

  await t.test('addresses: --ip, the ip-range, the gateway as route and DNS server', async () => {
    assert.equal(await ok(d, ['inspect', '-f', '{{.NetworkSettings.Networks.front.IPAddress}}', 'api']), `${base}.10`);
    const worker = await ok(d, ['inspect', '-f', '{{.NetworkSettings.Networks.front.IPAddress}}', 'worker']);
    assert.ok(Number(worker.split('.')[3]) >= 128, `${worker} from the ip-range`);
    assert.match(await ok(d, ['exec', 'worker', 'ip', 'route']), new RegExp(`default via ${base}\\.254`));
    const resolv = await ok(d, ['exec', 'worker', 'cat', '/etc/resolv.conf']);
    assert.match(resolv, new RegExp(`nameserver ${base}\\.254`));
    assert.match(resolv, /options .*ndots:0/);
    await fails(d, ['run', '--rm', '--network', 'front', '--ip', `${base}.10`, 'busybox', 'true'], /Address already in use/);
    await fails(d, ['run', '--rm', '--network', 'front', '--ip', '10.1.2.3', 'busybox', 'true'], /Invalid address 10\.1\.2\.3: It does not belong to any of this network's subnets/);
    const aliases = await ok(d, ['inspect', '-f', '{{json .NetworkSettings.Networks.front.Aliases}}', 'api']);
    assert.deepEqual(JSON.parse(aliases), ['backend', apiId.slice(0, 12)]);
  });

  await t.test('names, aliases and short ids resolve; containers reach each other', async () => {
    for (const name of ['api', 'backend', apiId.slice(0, 12)]) {
      const out = await ok(d, ['exec', 'worker', 'nslookup', name]);
      assert.match(out, new RegExp(`Address: ${base}\\.10`), `${name}: ${out}`);
    }
    await ok(d, ['exec', 'worker', 'ping', '-c', '1', '-W', '3', 'api']);
  });

  await t.test('a container\'s own --dns servers answer the names the network does not hold', async () => {
    // A fake resolver on a loopback address of this run's own, port 53, where the daemon's server forwards.
    const own = `127.${randomInt(1, 255)}.${randomInt(1, 255)}.${randomInt(2, 255)}`;
    const fake = await fakeResolver(own, 53, '192.0.2.77');
    try {
      const name = `elsewhere-${randomBytes(3).toString('hex')}.test`;
      const out = await ok(d, ['run', '--rm', '--network', 'front', '--dns', own, 'busybox', 'nslookup', name]);
      assert.match(out, /Address: 192\.0\.2\.77/);
      assert.ok(fake.seen.includes(name), 'the query reached the container\'s own server');
      // Its own container names are still answered by the network's server.
      assert.match(await ok(d, ['run', '--rm', '--network', 'front', '--dns', own, 'busybox', 'nslookup', 'api']), new RegExp(`Address: ${base}\\.10`));
    } finally {
      fake.close();
    }
  });

  await t.test('inspect lists the containers', async () => {
    const containers = JSON.parse(await ok(d, ['network', 'inspect', '-f', '{{json .Containers}}', 'front'])) as Record<string, any>;
    assert.equal(containers[apiId].Name, 'api');
    assert.equal(containers[apiId].IPv4Address, `${base}.10/24`);
    assert.equal(Object.keys(containers).length, 2);
  });

  await t.test('rm refused while in use', async () => {
    await fails(d, ['network', 'rm', 'front'], new RegExp(`error while removing network: network front id ${id} has active endpoints`));
  });

  await t.test('connect and disconnect a running container', async () => {
    await ok(d, ['run', '-d', '--name', 'outsider', 'busybox', 'sleep', '600']);
    await ok(d, ['network', 'connect', '--alias', 'side', '--ip', `${base}.20`, 'front', 'outsider']);
    assert.match(await ok(d, ['exec', 'outsider', 'ip', '-o', '-4', 'addr', 'show', 'dev', 'eth1']), new RegExp(`inet ${base}\\.20/24`));
    assert.match(await ok(d, ['exec', 'worker', 'nslookup', 'side']), new RegExp(`Address: ${base}\\.20`));
    await ok(d, ['exec', 'outsider', 'ping', '-c', '1', '-W', '3', `${base}.10`]);
    // Started with the host's resolvers, it now asks front's server, as dockerd switches to its embedded DNS.
    const resolv = await ok(d, ['exec', 'outsider', 'cat', '/etc/resolv.conf']);
    assert.deepEqual(resolv.split('\n').filter((l) => l.startsWith('nameserver')), [`nameserver ${base}.254`]);
    assert.match(resolv, /options .*ndots:0/);
    assert.match(await ok(d, ['exec', 'outsider', 'nslookup', 'api']), new RegExp(`Address: ${base}\\.10`));
    await fails(d, ['network', 'connect', 'front', 'outsider'], /endpoint with name outsider already exists in network front/);
    // The endpoint's settings are checked before the networks it is on, as dockerd does,
    // for a running container and for one that is not.
    await fails(d, ['network', 'connect', '--ip', `${base}.21`, 'bridge', 'outsider'], /user specified IP address is supported on user defined networks only/);
    await ok(d, ['create', '--name', 'idle', 'busybox', 'true']);
    await fails(d, ['network', 'connect', '--ip', `${base}.21`, 'bridge', 'idle'], /user specified IP address is supported on user defined networks only/);
    await fails(d, ['network', 'connect', '--alias', 'x', 'bridge', 'idle'], /network-scoped alias is supported only for containers in user defined networks/);
    await ok(d, ['rm', 'idle']);
    await ok(d, ['network', 'disconnect', 'front', 'outsider']);
    const r = await d.docker(['exec', 'outsider', 'ip', 'link', 'show', 'eth1']);
    assert.notEqual(r.code, 0, 'eth1 gone after disconnect');
    const outsiderId = await ok(d, ['inspect', '-f', '{{.Id}}', 'outsider']);
    await fails(d, ['network', 'disconnect', 'front', 'outsider'], new RegExp(`container ${outsiderId} is not connected to network front`));
    await fails(d, ['network', 'connect', 'nope', 'outsider'], /network nope not found/);
    // Off its last network (here its default bridge) it has none, across a restart, as
    // dockerd 20.10; a connect brings it back.
    await ok(d, ['network', 'disconnect', 'bridge', 'outsider']);
    assert.equal(await ok(d, ['inspect', '-f', '{{json .NetworkSettings.Networks}}', 'outsider']), '{}');
    await ok(d, ['restart', '-t', '0', 'outsider']);
    assert.equal(await ok(d, ['inspect', '-f', '{{json .NetworkSettings.Networks}}', 'outsider']), '{}');
    assert.equal(await ok(d, ['exec', 'outsider', 'sh', '-c', 'ip -o link | grep -c eth || true']), '0');
    await ok(d, ['network', 'connect', 'front', 'outsider']);
    assert.equal(await ok(d, ['inspect', '-f', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}', 'outsider']), 'front');
    await ok(d, ['rm', '-f', 'outsider']);
  });

  await t.test('a container on two networks resolves the names of both', async () => {
    const backSubnet = freeSubnet();
    const backBase = backSubnet.replace(/\.0\/24$/, '');
    await ok(d, ['network', 'create', '--subnet', backSubnet, 'back']);
    await ok(d, ['run', '-d', '--name', 'db', '--network', 'back', '--network-alias', 'store', 'busybox', 'sleep', '600']);
    // worker's resolv.conf names front's server; db is known to back's only.
    await ok(d, ['network', 'connect', 'back', 'worker']);
    for (const name of ['db', 'store']) {
      assert.match(await ok(d, ['exec', 'worker', 'nslookup', name]), new RegExp(`Address: ${backBase}\\.\\d+`), name);
    }
    assert.match(await ok(d, ['exec', 'worker', 'nslookup', 'api']), new RegExp(`Address: ${base}\\.10`));
    // api is on front only: back's names stay out of its reach, as in dockerd.
    const r = await d.docker(['exec', 'api', 'nslookup', 'db']);
    assert.doesNotMatch(r.stdout, new RegExp(`Address: ${backBase}\\.`));
    await ok(d, ['network', 'disconnect', 'back', 'worker']);
    await ok(d, ['rm', '-f', 'db']);
    await ok(d, ['network', 'rm', 'back']);
  });

  await t.test('internal networks have no way out', async () => {
    await ok(d, ['network', 'create', '--internal', '--subnet', freeSubnet(), 'closed']);
    const routes = await ok(d, ['run', '--rm', '--network', 'closed', 'busybox', 'ip', 'route']);
    assert.doesNotMatch(routes, /default/);
    await ok(d, ['network', 'rm', 'closed']);
  });

  await t.test('rm takes the network\'s link and rules', async () => {
    await ok(d, ['rm', '-f', 'api', 'worker']);
    await ok(d, ['network', 'rm', 'front']);
    assert.ok(!linkExists(dev), `bridge ${dev} left`);
    assert.ok(!rulesMention(dev), `rules on ${dev} left`);
    await fails(d, ['network', 'inspect', 'front'], /No such network: front|network front not found/);
  });

  await t.test('prune removes unused user networks only', async () => {
    await ok(d, ['network', 'create', '--subnet', freeSubnet(), '--label', 'keep=no', 'old1']);
    await ok(d, ['network', 'create', '--subnet', freeSubnet(), 'old2']);
    await ok(d, ['run', '-d', '--name', 'holder', '--network', 'old2', 'busybox', 'sleep', '600']);
    const out = await ok(d, ['network', 'prune', '-f']);
    assert.match(out, /old1/);
    assert.doesNotMatch(out, /old2/);
    await ok(d, ['rm', '-f', 'holder']);
    await ok(d, ['network', 'prune', '-f']);
    assert.equal(await ok(d, ['network', 'ls', '-f', 'type=custom', '-q']), '');
  });
});
