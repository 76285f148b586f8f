import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePortBindings, reserve } from './portmapper.js';

test('PortBindings as the CLI sends them', () => {
  assert.deepEqual(parsePortBindings({ '80/tcp': [{ HostIp: '', HostPort: '8080' }], '53/udp': [{ HostIp: '127.0.0.1', HostPort: '' }], '443': null }), [
    // JavaScript lists integer-like keys ('443') first.
    { proto: 'tcp', containerPort: 443, hostIp: '0.0.0.0', hostPort: 0 },
    { proto: 'tcp', containerPort: 80, hostIp: '0.0.0.0', hostPort: 8080 },
    { proto: 'udp', containerPort: 53, hostIp: '127.0.0.1', hostPort: 0 },
  ]);
  assert.throws(() => parsePortBindings({ 'abc/tcp': [] }), { message: 'invalid port specification: "abc/tcp"' });
  assert.throws(() => parsePortBindings({ '80/tcp': [{ HostPort: '70000' }] }), /Invalid hostPort: 70000/);
});

test('ephemeral ports come from the kernel and are refused while held', async () => {
  const r = await reserve('udp', '127.0.0.1', 0, { name: 'x', id: 'y' });
  assert.ok(r.port > 0);
  await assert.rejects(reserve('udp', '127.0.0.1', r.port, { name: 'x', id: 'y' }), /port is already allocated/);
  await r.close();
  const again = await reserve('udp', '127.0.0.1', r.port, { name: 'x', id: 'y' });
  await again.close();
});
