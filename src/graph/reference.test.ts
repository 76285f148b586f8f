import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidParameter } from '../engine/errors.js';
import { familiar, familiarMatch, familiarOf, format, parseNamed, withDefaultTag } from './reference.js';

const norm = (s: string) => format(withDefaultTag(parseNamed(s)));

test('names normalise as dockerd does', () => {
  assert.equal(norm('busybox'), 'docker.io/library/busybox:latest');
  assert.equal(norm('busybox:1.36'), 'docker.io/library/busybox:1.36');
  assert.equal(norm('me/app'), 'docker.io/me/app:latest');
  assert.equal(norm('index.docker.io/me/app:v1'), 'docker.io/me/app:v1');
  assert.equal(norm('docker.io/busybox'), 'docker.io/library/busybox:latest');
  assert.equal(norm('localhost:5000/a/b:tag'), 'localhost:5000/a/b:tag');
  assert.equal(norm('localhost/a'), 'localhost/a:latest');
  assert.equal(norm('example.com/x'), 'example.com/x:latest');
  const d = `sha256:${'a'.repeat(64)}`;
  assert.equal(norm(`busybox@${d}`), `docker.io/library/busybox@${d}`);
  assert.deepEqual(parseNamed(`busybox:1@${d}`), { repo: 'docker.io/library/busybox', tag: '1', digest: d });
});

test('familiar forms strip docker.io and library/', () => {
  assert.equal(familiarOf('docker.io/library/busybox:latest'), 'busybox:latest');
  assert.equal(familiarOf('docker.io/me/app:v1'), 'me/app:v1');
  assert.equal(familiarOf('docker.io/library/a/b:v1'), 'library/a/b:v1');
  assert.equal(familiarOf('localhost:5000/a/b:tag'), 'localhost:5000/a/b:tag');
  assert.equal(familiar(parseNamed(`busybox@sha256:${'b'.repeat(64)}`)), `busybox@sha256:${'b'.repeat(64)}`);
});

test('invalid references get dockerd\'s messages', () => {
  const bad = (s: string, msg: string) =>
    assert.throws(() => parseNamed(s), (e: unknown) => e instanceof InvalidParameter && e.message === msg, s);
  bad('UPPER/Case', 'invalid reference format: repository name must be lowercase');
  bad('Busybox', 'invalid reference format: repository name must be lowercase');
  bad('busybox:', 'invalid reference format');
  bad('busy box', 'invalid reference format');
  bad('busybox:-tag', 'invalid reference format');
  bad(`busybox:${'t'.repeat(129)}`, 'invalid reference format');
  bad('a//b', 'invalid reference format');
  bad('', 'repository name must have at least one component');
  bad('a'.repeat(64).replace(/a/g, 'f'), `invalid repository name (${'f'.repeat(64)}), cannot specify 64-byte hexadecimal strings`);
  bad(`x/${'a'.repeat(260)}`, 'repository name must not be more than 255 characters');
  // dockerd 20.10: an upper-case first component is not a domain (newer references say it is).
  bad('Registry/x', 'invalid reference format: repository name must be lowercase');
  assert.equal(norm('Registry.local/x'), 'Registry.local/x:latest');
});

test('reference filter globs match the familiar string or name', () => {
  assert.ok(familiarMatch('busybox', 'docker.io/library/busybox:latest'));
  assert.ok(familiarMatch('busy*', 'docker.io/library/busybox:latest'));
  assert.ok(familiarMatch('busybox:lat?st', 'docker.io/library/busybox:latest'));
  assert.ok(familiarMatch('*:v[0-9]', 'docker.io/me/app:v1') === false, '* stops at /');
  assert.ok(familiarMatch('*/*:v[0-9]', 'docker.io/me/app:v1'));
  assert.ok(!familiarMatch('busybox:1', 'docker.io/library/busybox:latest'));
  assert.ok(familiarMatch('localhost:5000/a/*', 'localhost:5000/a/b:tag'));
});
