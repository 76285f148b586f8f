import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildResolvConf, parseResolvConf, upstreams } from './resolvconf.js';
import { buildHosts, parseExtraHost, selfNames, withoutHost } from './hosts.js';

const HOST = 'domain corp.example\nnameserver 127.0.0.53\nnameserver 10.0.0.2 # office\nnameserver ::1\noptions edns0\n';

test('loopback resolvers are dropped; public fallback when none remain', () => {
  const host = parseResolvConf(HOST);
  assert.equal(buildResolvConf(host, {}), 'search corp.example\nnameserver 10.0.0.2\noptions edns0\n');
  const onlyLoop = parseResolvConf('nameserver 127.0.0.53\n');
  assert.equal(buildResolvConf(onlyLoop, {}), 'nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
  assert.deepEqual(upstreams(onlyLoop, ['127.0.0.1']), ['127.0.0.1']);
  assert.deepEqual(upstreams(host), ['10.0.0.2']);
});

test('--dns, --dns-search, --dns-opt replace the host lines; user networks use the gateway', () => {
  const host = parseResolvConf(HOST);
  assert.equal(buildResolvConf(host, { dns: ['1.1.1.1'], dnsSearch: ['a.test', 'b.test'], dnsOptions: ['ndots:2'] }),
    'search a.test b.test\nnameserver 1.1.1.1\noptions ndots:2\n');
  assert.equal(buildResolvConf(host, { dnsSearch: ['.'] }), 'nameserver 10.0.0.2\noptions edns0\n');
  assert.equal(buildResolvConf(host, { embeddedServer: '10.231.0.1' }), 'search corp.example\nnameserver 10.231.0.1\noptions edns0\n');
});

test('/etc/hosts has the localhost lines, extra hosts and the container itself', () => {
  const text = buildHosts({ hostname: 'abc123', ips: ['172.17.0.2'], extraHosts: ['db:10.0.0.9', 'v6:fe80::1'] });
  const lines = text.trimEnd().split('\n');
  assert.equal(lines[0], '127.0.0.1\tlocalhost');
  assert.equal(lines[1], '::1\tlocalhost ip6-localhost ip6-loopback');
  assert.deepEqual(lines.slice(-3), ['10.0.0.9\tdb', 'fe80::1\tv6', '172.17.0.2\tabc123']);
  assert.match(buildHosts({ hostname: 'h', domainname: 'd.test', ips: ['10.0.0.3'] }), /10\.0\.0\.3\th\.d\.test h\n$/);
  assert.throws(() => parseExtraHost('nohost'), /--add-host/);
});

test('/etc/hosts: a line per network, dockerd\'s names, and its disconnect edit', () => {
  assert.deepEqual(buildHosts({ hostname: 'h', ips: ['10.0.0.3', '10.0.1.3'] }).trimEnd().split('\n').slice(-2), ['10.0.0.3\th', '10.0.1.3\th']);
  // dockerd 20.10: `--hostname a.b` is `a.b a`; with `--domainname c.d`, `a.b.c.d a`.
  assert.equal(selfNames('a.b'), 'a.b a');
  assert.equal(selfNames('a.b', 'c.d'), 'a.b.c.d a');
  assert.equal(selfNames('abc'), 'abc');
  // Every line of the hostname goes, whatever its address; `foo.d foo` lines stay.
  assert.equal(withoutHost('127.0.0.1\tlocalhost\n1.2.3.4\textra\n10.0.0.3\th\n10.0.1.3\th\n', 'h'), '127.0.0.1\tlocalhost\n1.2.3.4\textra\n');
  assert.equal(withoutHost('10.0.0.3\tfoo.d foo\n', 'foo'), '10.0.0.3\tfoo.d foo\n');
});
