import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PortCursor, portRequests } from './ports.js';

test('PortBindings become requests: fixed, ranges, any port, the default address', () => {
  const reqs = portRequests({
    '80/tcp': [{ HostIp: '', HostPort: '8080' }],
    '81/udp': [{ HostIp: '127.0.0.1', HostPort: '' }],
    '90': [{ HostPort: '9000-9010' }],
    '91/tcp': null,
  }, undefined, false, '10.0.0.5');
  // Integer-like keys ('90') come first in a JS object: compare in port order.
  assert.deepEqual(reqs.sort((a, b) => a.containerPort - b.containerPort), [
    { proto: 'tcp', containerPort: 80, hostIp: '10.0.0.5', hostPorts: [8080, 8080] },
    { proto: 'udp', containerPort: 81, hostIp: '127.0.0.1', hostPorts: [0, 0] },
    { proto: 'tcp', containerPort: 90, hostIp: '10.0.0.5', hostPorts: [9000, 9010] },
    { proto: 'tcp', containerPort: 91, hostIp: '10.0.0.5', hostPorts: [0, 0] },
  ]);
});

test('-P adds the exposed ports that have no binding', () => {
  const reqs = portRequests({ '80/tcp': [{ HostPort: '8080' }] }, { '80/tcp': {}, '53/udp': {} }, true, '0.0.0.0');
  assert.deepEqual(reqs.map((r) => `${r.containerPort}/${r.proto}:${r.hostPorts[0]}`), ['80/tcp:8080', '53/udp:0']);
  assert.equal(portRequests(undefined, { '80/tcp': {} }, false, '0.0.0.0').length, 0);
});

test('bad specs in dockerd\'s words', () => {
  assert.throws(() => portRequests({ '80/tcp': [{ HostPort: 'x' }] }, undefined, false, ''), /^InvalidParameter|invalid port specification: "x"/);
  assert.throws(() => portRequests({ '80/tcp': [{ HostPort: '70000' }] }, undefined, false, ''), /invalid port specification: "70000"/);
  assert.throws(() => portRequests({ 'abc/tcp': [] }, undefined, false, ''), /invalid port specification: "abc"/);
  assert.throws(() => portRequests({ '80/tcp': [{ HostPort: '90-80' }] }, undefined, false, ''), /invalid port specification: "90-80"/);
  assert.throws(() => portRequests({ '80/bogus': [] }, undefined, false, ''), /invalid proto: bogus/);
  // sctp is taken at create; publishing it fails at start (test/network/bridge.test.ts).
  assert.equal(portRequests({ '80/sctp': [] }, undefined, false, '0.0.0.0')[0]?.proto, 'sctp');
});

test('ephemeral ports go upwards from 32768 and wrap', () => {
  const c = new PortCursor();
  assert.deepEqual([c.take(), c.take()], [32768, 32769]);
  for (let i = 0; i < 60999 - 32769 - 1; i++) c.take();
  assert.equal(c.take(), 60999);
  assert.equal(c.take(), 32768);
});

test('with the userland proxy, a binding without an address is published on :: too, as dockerd 20.10', () => {
  const reqs = portRequests({
    '80/tcp': [{ HostIp: '', HostPort: '8080' }],
    '81/tcp': [{ HostIp: '0.0.0.0', HostPort: '8081' }],
    '82/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }],
    '83/tcp': [{ HostIp: '::1', HostPort: '8083' }],
  }, { '90/udp': {} }, true, '0.0.0.0', true);
  assert.deepEqual(reqs.map((r) => `${r.containerPort}/${r.proto} ${r.hostIp}${r.optional ? ' optional' : ''}`), [
    '80/tcp 0.0.0.0', '80/tcp :: optional', '81/tcp 0.0.0.0', '82/tcp 127.0.0.1', '83/tcp ::1', '90/udp 0.0.0.0', '90/udp :: optional',
  ]);
  // Without the proxy nothing would carry IPv6 to the container: IPv4 only, a v6 address dropped.
  const plain = portRequests({ '80/tcp': [{ HostPort: '8080' }], '83/tcp': [{ HostIp: '::1', HostPort: '8083' }] }, undefined, false, '0.0.0.0', false);
  assert.deepEqual(plain.map((r) => r.hostIp), ['0.0.0.0']);
  // A default address other than 0.0.0.0 (--ip) is IPv4 only.
  assert.deepEqual(portRequests({ '80/tcp': [{ HostPort: '' }] }, undefined, false, '127.0.0.1', true).map((r) => r.hostIp), ['127.0.0.1']);
});

test('ephemeral ports: one cursor per host address and protocol', () => {
  const c = new PortCursor();
  assert.deepEqual([c.take('0.0.0.0/tcp'), c.take('::/tcp'), c.take('0.0.0.0/tcp'), c.take('0.0.0.0/udp')], [32768, 32768, 32769, 32768]);
});
