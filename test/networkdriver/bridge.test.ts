/**
 * The network driver's pieces against the real kernel: a bridge named bt<random>, two
 * "containers" (processes in their own network namespace), veths, iptables chains
 * prefixed BT<random>, a published port through DNAT and through the userland proxy.
 * Traffic goes only between loopback, the test's bridge and its namespaces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Allocator, formatCidr, hostSubnets, macFor, pickFreeSubnet } from '../../src/drivers/networkdriver/ipam.js';
import { deleteBridge, ensureBridge, setRouteLocalnet, setupVeth, teardownVeth } from '../../src/drivers/networkdriver/bridge.js';
import { Iptables, type Rule } from '../../src/drivers/networkdriver/iptables.js';
import { parsePortBindings, reserve } from '../../src/drivers/networkdriver/portmapper.js';
import { startProxy, type Proxy } from '../../src/drivers/networkdriver/proxy.js';
import { DnsServer } from '../../src/drivers/networkdriver/dns.js';
import { fakeResolver } from '../helpers/fake-dns.js';

const rnd = randomBytes(3).toString('hex');
const BRIDGE = `bt${rnd}`;
const PREFIX = `BT${rnd.toUpperCase()}`;

function inNs(pid: number, args: string[]): { ok: boolean; out: string } {
  try {
    return { ok: true, out: execFileSync('nsenter', [`--net=/proc/${pid}/ns/net`, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 }) };
  } catch (e) {
    return { ok: false, out: String((e as { stdout?: string }).stdout ?? '') };
  }
}

/** Asynchronous variant: the DNS server under test runs in this process's event loop. */
async function inNsAsync(pid: number, args: string[]): Promise<string> {
  try {
    return (await promisify(execFile)('nsenter', [`--net=/proc/${pid}/ns/net`, ...args], { encoding: 'utf8', timeout: 10_000 })).stdout;
  } catch (e) {
    return String((e as { stdout?: string }).stdout ?? '');
  }
}

function ping(pid: number, ip: string): boolean {
  return inNs(pid, ['busybox', 'ping', '-c1', '-W1', ip]).ok;
}

/** One HTTP/1.0 request over a plain socket; resolves with the whole reply. */
function request(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    let data = '';
    s.setTimeout(5000, () => { s.destroy(); reject(new Error(`timeout ${host}:${port}`)); });
    s.on('connect', () => s.write('GET /index.html HTTP/1.0\r\n\r\n'));
    s.on('data', (d) => { data += d.toString(); });
    s.on('end', () => resolve(data));
    s.on('error', reject);
  });
}

test('bridge, veths, iptables and published ports on the real kernel', async (t) => {
  const procs: ChildProcess[] = [];
  const veths: string[] = [];
  const proxies: Proxy[] = [];
  const ipt = new Iptables(PREFIX);
  const added: Rule[] = [];
  let created = false;
  t.after(async () => {
    for (const p of proxies) await p.close().catch(() => undefined);
    for (const v of veths) await teardownVeth(v).catch(() => undefined);
    await ipt.removeAll(added).catch(() => undefined);
    await ipt.teardown().catch(() => undefined);
    await deleteBridge(BRIDGE, created).catch(() => undefined);
    for (const p of procs) if (p.pid && p.exitCode === null) process.kill(p.pid, 'SIGKILL');
    // Leak check: nothing named with this run's prefix survives.
    const links = execFileSync('ip', ['-br', 'link'], { encoding: 'utf8' });
    const filter = execFileSync('iptables', ['-w', '-S'], { encoding: 'utf8' });
    const nat = execFileSync('iptables', ['-w', '-t', 'nat', '-S'], { encoding: 'utf8' });
    assert.ok(!links.includes(BRIDGE), `left link ${BRIDGE}`);
    for (const v of veths) assert.ok(!links.includes(v), `left veth ${v}`);
    assert.ok(!filter.includes(PREFIX) && !nat.includes(PREFIX), 'left iptables chains/jumps');
    assert.ok(!filter.includes(BRIDGE) && !nat.includes(BRIDGE), 'left iptables rules');
  });

  const subnet = pickFreeSubnet([{ base: '10.231.0.0/16', size: 24 }], await hostSubnets());
  const cidr = formatCidr(subnet);
  const alloc = new Allocator({ subnet: cidr, gateway: Allocator.defaultGateway(cidr), allocated: [] });
  const gateway = alloc.state().gateway;
  created = await ensureBridge({ name: BRIDGE, gateway, prefix: subnet.prefix, mtu: 1500 });
  assert.equal(created, true);
  assert.equal(await ensureBridge({ name: BRIDGE, gateway, prefix: subnet.prefix }), false, 'second ensure reuses it');

  await ipt.setup();
  await ipt.setup(); // idempotent: jumps are checked with -C
  const fwd = execFileSync('iptables', ['-w', '-S', 'FORWARD'], { encoding: 'utf8' });
  assert.equal(fwd.split('\n').filter((l) => l === `-A FORWARD -j ${PREFIX}`).length, 1);
  const netRules = ipt.networkRules({ bridge: BRIDGE, subnet: cidr, icc: true, masquerade: true, internal: false });
  await ipt.addAll(netRules);
  added.push(...netRules);

  const containers: Array<{ pid: number; ip: string; veth: string }> = [];
  for (let i = 0; i < 2; i++) {
    const p = spawn('unshare', ['--net', '--fork', '--kill-child', 'sleep', '60'], { stdio: 'ignore' });
    procs.push(p);
    await sleep(200);
    // unshare --fork: the namespace belongs to its child; the child's pid is what we need.
    const child = Number(execFileSync('pgrep', ['-P', String(p.pid)], { encoding: 'utf8' }).trim());
    const ip = alloc.allocate();
    const veth = await setupVeth(BRIDGE, child, { ifname: 'eth0', address: ip, prefix: subnet.prefix, gateway, mac: macFor(ip), mtu: 1500 });
    veths.push(veth);
    assert.match(veth, /^veth[0-9a-f]{7}$/);
    containers.push({ pid: child, ip, veth });
  }
  const [a, b] = containers as [typeof containers[0], typeof containers[0]];
  const link = inNs(a.pid, ['ip', '-br', 'link', 'show', 'eth0']).out;
  assert.match(link, new RegExp(macFor(a.ip)));
  assert.match(inNs(a.pid, ['ip', 'route']).out, new RegExp(`default via ${gateway.replace(/\./g, '\\.')} dev eth0`));

  await t.test('containers reach each other and the host reaches them', () => {
    assert.ok(ping(a.pid, b.ip), 'a -> b');
    assert.ok(ping(b.pid, a.ip), 'b -> a');
    assert.ok(ping(a.pid, gateway), 'a -> gateway');
    execFileSync('busybox', ['ping', '-c1', '-W1', b.ip]);
  });

  // busybox httpd in b serves a marker file on port 80.
  const www = `/tmp/berth-test-net-${rnd}`;
  execFileSync('mkdir', ['-p', www]);
  t.after(() => execFileSync('rm', ['-rf', www]));
  execFileSync('sh', ['-c', 'echo "$1" > "$2/index.html"', 'sh', `hello-${rnd}`, www]);
  const httpd = spawn('nsenter', [`--net=/proc/${b.pid}/ns/net`, 'busybox', 'httpd', '-f', '-p', '80', '-h', www], { stdio: 'ignore' });
  procs.push(httpd);
  await sleep(300);

  await t.test('published port: DNAT on the bridge address, userland proxy on 127.0.0.1', async () => {
    const [m] = parsePortBindings({ '80/tcp': [{ HostIp: '', HostPort: '' }] });
    assert.ok(m && m.hostPort === 0 && m.hostIp === '0.0.0.0');
    const r = await reserve(m.proto, '127.0.0.1', 0, { name: 'b', id: 'bb' });
    const hostPort = r.port;
    await r.close();
    const rules = ipt.portRules({ bridge: BRIDGE, proto: 'tcp', hostIp: '', hostPort, containerIp: b.ip, containerPort: 80 });
    await ipt.addAll(rules);
    added.push(...rules);
    proxies.push(await startProxy({ proto: 'tcp', hostIp: '127.0.0.1', hostPort, containerIp: b.ip, containerPort: 80 }));
    assert.match(await request('127.0.0.1', hostPort), new RegExp(`hello-${rnd}`));
    assert.match(await request(gateway, hostPort), new RegExp(`hello-${rnd}`), 'DNAT from the host to its bridge address');
    // reconcile keeps exactly the expected rules and removes a stray one.
    const stray: Rule = { table: 'filter', chain: PREFIX, spec: ['-d', '10.231.255.254/32', '-j', 'DROP'] };
    await ipt.add(stray);
    assert.equal(await ipt.reconcile(added), 1);
    assert.equal(await ipt.exists(stray), false);
    assert.match(await request(gateway, hostPort), new RegExp(`hello-${rnd}`), 'expected rules survived reconcile');
  });

  await t.test('a host port in use gives dockerd\'s error and leaves no rule', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as { port: number }).port;
    try {
      await assert.rejects(reserve('tcp', '127.0.0.1', port, { name: 'web', id: 'abc123' }), {
        message: `driver failed programming external connectivity on endpoint web (abc123): Bind for 127.0.0.1:${port} failed: port is already allocated`,
      });
      const nat = execFileSync('iptables', ['-w', '-t', 'nat', '-S', PREFIX], { encoding: 'utf8' });
      assert.ok(!nat.includes(`--dport ${port} `));
    } finally {
      busy.close();
    }
  });

  await t.test('--icc=false blocks container to container', async () => {
    const icc: Rule = { table: 'filter', chain: PREFIX, spec: ['-i', BRIDGE, '-o', BRIDGE, '-j', 'ACCEPT'] };
    const drop = ipt.networkRules({ bridge: BRIDGE, subnet: cidr, icc: false, masquerade: false, internal: false }).at(-1)!;
    await ipt.remove(icc);
    await ipt.add(drop);
    added.push(drop);
    assert.equal(ping(a.pid, b.ip), false, 'icc=false must block');
    assert.ok(ping(a.pid, gateway), 'the gateway stays reachable');
    await ipt.remove(drop);
    await ipt.add(icc);
    assert.ok(ping(a.pid, b.ip), 'icc back on');
  });

  await t.test('DNS on the gateway answers registered names and forwards the rest', async () => {
    // The fake upstream on loopback answers every A query with a TEST-NET address.
    const fake = await fakeResolver('127.0.0.1', 0, '192.0.2.55');
    const seen = fake.seen;
    const dns = new DnsServer({ address: gateway, upstreams: [{ host: '127.0.0.1', port: fake.port }], timeout: 1000 });
    await dns.start();
    try {
      dns.register(`web-${rnd}`, b.ip);
      dns.register('alias-web', b.ip);
      const known = await inNsAsync(a.pid, ['busybox', 'nslookup', `web-${rnd}`, gateway]);
      assert.match(known, new RegExp(`Address:\\s+${b.ip.replace(/\./g, '\\.')}`), known);
      assert.match(await inNsAsync(a.pid, ['busybox', 'nslookup', 'ALIAS-WEB', gateway]), new RegExp(b.ip.replace(/\./g, '\\.')));
      assert.ok(!seen.includes(`web-${rnd}`), 'registered names are not forwarded');
      const other = await inNsAsync(a.pid, ['busybox', 'nslookup', `elsewhere-${rnd}.test`, gateway]);
      assert.match(other, /192\.0\.2\.55/, other);
      assert.ok(seen.includes(`elsewhere-${rnd}.test`), 'unknown name reached the fake upstream');
      dns.unregister(`web-${rnd}`, b.ip);
      assert.deepEqual(dns.lookup(`web-${rnd}`), []);
    } finally {
      await dns.stop();
      fake.close();
    }
  });

  await t.test('--userland-proxy=false: 127.0.0.1 reaches the container through DNAT and route_localnet', async () => {
    const r = await reserve('tcp', '127.0.0.1', 0, { name: 'b', id: 'bb' });
    const hostPort = r.port;
    await r.close();
    const rules = [
      ...ipt.portRules({ bridge: BRIDGE, proto: 'tcp', hostIp: '', hostPort, containerIp: b.ip, containerPort: 80 }),
      ipt.loopbackJump(),
      ...ipt.loopbackRules(BRIDGE),
    ];
    await ipt.addAll(rules);
    added.push(...rules);
    await setRouteLocalnet(BRIDGE);
    assert.match(await request('127.0.0.1', hostPort), new RegExp(`hello-${rnd}`), 'no proxy listens: only DNAT can answer');
    await ipt.removeAll(rules);
    const nat = execFileSync('iptables', ['-w', '-t', 'nat', '-S'], { encoding: 'utf8' });
    assert.ok(!nat.includes(`--dport ${hostPort} `) && !nat.includes(`-o ${BRIDGE} -m addrtype`), 'removed exactly');
  });
});
