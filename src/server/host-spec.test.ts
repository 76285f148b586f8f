import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidParameter } from '../engine/errors.js';
import { formatHost, isLoopback, parseHost } from './host-spec.js';

test('unix addresses, with the default socket when the path is empty', () => {
  assert.deepEqual(parseHost('unix:///run/x.sock'), { kind: 'unix', path: '/run/x.sock' });
  assert.deepEqual(parseHost('unix://'), { kind: 'unix', path: '/var/run/berth.sock' });
});

test('tcp addresses: default port, all addresses, IPv6 brackets', () => {
  assert.deepEqual(parseHost('tcp://127.0.0.1:2380'), { kind: 'tcp', host: '127.0.0.1', port: 2380 });
  assert.deepEqual(parseHost('tcp://127.0.0.1'), { kind: 'tcp', host: '127.0.0.1', port: 2375 });
  assert.deepEqual(parseHost('tcp://:2375'), { kind: 'tcp', host: '', port: 2375 });
  assert.deepEqual(parseHost('tcp://'), { kind: 'tcp', host: '127.0.0.1', port: 2375 });
  assert.deepEqual(parseHost('tcp://[::1]:2376'), { kind: 'tcp', host: '::1', port: 2376 });
  assert.equal(formatHost(parseHost('tcp://[::1]:2376')), 'tcp://[::1]:2376');
  assert.throws(() => parseHost('tcp://host:99999'), InvalidParameter);
  assert.throws(() => parseHost('tcp://host:2375/path'), InvalidParameter);
});

test('fd addresses: one socket or all that systemd passed', () => {
  assert.deepEqual(parseHost('fd://'), { kind: 'fd', fd: 'all' });
  assert.deepEqual(parseHost('fd://3'), { kind: 'fd', fd: 3 });
  assert.throws(() => parseHost('fd://x'), InvalidParameter);
});

test('unknown schemes and bare words get dockerd\'s message', () => {
  assert.throws(() => parseHost('foo'), { message: 'Invalid bind address format: foo' });
  assert.throws(() => parseHost('udp://1.2.3.4:5'), { message: 'Invalid bind address format: udp://1.2.3.4:5' });
});

test('loopback detection decides whether plain TCP needs --insecure-tcp', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) assert.equal(isLoopback(h), true, h);
  for (const h of ['', '0.0.0.0', '10.0.0.1', '::']) assert.equal(isLoopback(h), false, h);
});
