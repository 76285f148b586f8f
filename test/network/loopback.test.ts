/**
 * IPv4 loopback clients of published ports: the kernel carries them (DNAT in OUTPUT,
 * route_localnet on the bridge) while the userland proxy holds the port and serves
 * IPv6, and route_localnet does not open the host's 127.0.0.1 services to containers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { get } from 'node:http';
import { createServer, type Server } from 'node:net';
import { waitFor } from '../helpers/daemon.js';
import { bipOf, freePort, netDaemon, ok } from './helpers.js';

test('with the userland proxy on, 127.0.0.1 goes through the kernel, and the port stays held', async (t) => {
  const d = await netDaemon(t);
  const { gateway } = bipOf(d);
  const hostPort = await freePort();
  // The page names the client's address, as the container sees it.
  const script = 'mkdir /www /www/cgi-bin && printf \'#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho $REMOTE_ADDR\\n\' > /www/cgi-bin/who'
    + ' && chmod +x /www/cgi-bin/who && exec httpd -f -p 80 -h /www';
  await ok(d, ['run', '-d', '--name', 'web', '-p', `${hostPort}:80`, 'busybox', 'sh', '-c', script]);
  assert.equal(execFileSync('cat', [`/proc/sys/net/ipv4/conf/${d.network.bridge}/route_localnet`], { encoding: 'utf8' }).trim(), '1');
  const nat = execFileSync('iptables', ['-w', '-t', 'nat', '-S', 'OUTPUT'], { encoding: 'utf8' });
  assert.match(nat, new RegExp(`-A OUTPUT -d 127\\.0\\.0\\.0/8 -m addrtype --dst-type LOCAL -j ${d.network.prefix}\\n`));
  // The container sees a loopback client as the gateway, as it would through docker-proxy
  // (httpd names it IPv4-mapped, [::ffff:GATEWAY]).
  for (const host of ['127.0.0.1', '::1']) {
    await waitFor(`${host}:${hostPort} to answer`, async () => (await fetchText(host, hostPort, '/cgi-bin/who')).includes(gateway), 10_000);
  }
  // Nothing else can take the port while it is published.
  const taken = await listenError(hostPort);
  assert.equal(taken, 'EADDRINUSE');
});

test('a container cannot reach the host\'s 127.0.0.1 services through the bridge', async (t) => {
  const d = await netDaemon(t);
  const { gateway } = bipOf(d);
  const port = await freePort();
  let reached = false;
  const srv: Server = createServer((s) => { reached = true; s.end('secret\n'); });
  await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => srv.close(() => r())));
  // A privileged container routes 127.0.0.1 to the gateway, which route_localnet on
  // the bridge would accept as local traffic but for berth's guard in INPUT.
  const script = [
    'sysctl -w net.ipv4.conf.eth0.route_localnet=1 >/dev/null',
    'ip rule add to 127.0.0.1 lookup 100 pref 10', 'ip rule del pref 0', 'ip rule add pref 100 lookup local',
    `ip route add 127.0.0.1 via ${gateway} dev eth0 table 100`,
    `echo hi | nc -w 2 127.0.0.1 ${port}; echo nc=$?`,
  ].join(' && ');
  const out = await ok(d, ['run', '--rm', '--privileged', 'busybox', 'sh', '-c', script]);
  assert.match(out, /nc=1/);
  assert.equal(reached, false, 'the host\'s loopback-only service was reached from a container');
});

function listenError(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? String(e)));
    s.listen(port, '0.0.0.0', () => s.close(() => resolve('listening')));
  });
}

/** The body of GET path, or '' when nothing answers yet. */
function fetchText(host: string, port: number, path: string): Promise<string> {
  return new Promise((resolve) => {
    // busybox httpd passes the CGI's bare-LF headers through.
    const req = get({ host, port, path, timeout: 1000, insecureHTTPParser: true }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => { text += c.toString(); });
      res.on('end', () => resolve(text));
      res.on('error', () => resolve(''));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(''));
  });
}
