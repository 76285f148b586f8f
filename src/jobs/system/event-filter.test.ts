import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonEvent } from '../../engine/events.js';
import { eventFilter } from './event-filter.js';

function ev(Type: DaemonEvent['Type'], Action: string, ID: string, Attributes: Record<string, string> = {}): DaemonEvent {
  return { Type, Action, Actor: { ID, Attributes }, scope: 'local', time: 1, timeNano: 1e9 };
}

const web = ev('container', 'start', 'abc123def', { name: 'web', image: 'busybox:latest', tier: 'front' });
const pulled = ev('image', 'pull', 'sha256:1111', { name: 'busybox:latest' });
const tagged = ev('image', 'tag', 'sha256:2222', { name: 'localhost:5000/app:v1' });
const execStart = ev('container', 'exec_start: sh -c true', 'abc123def', { name: 'web' });

test('no filters keep everything', () => {
  assert.ok(eventFilter({})(web));
});

test('type, event and scope match exactly', () => {
  assert.ok(eventFilter({ type: ['image'] })(pulled));
  assert.ok(!eventFilter({ type: ['image'] })(web));
  assert.ok(eventFilter({ event: ['start', 'stop'] })(web));
  assert.ok(!eventFilter({ event: ['star'] })(web));
  assert.ok(eventFilter({ scope: ['local'] })(web));
  assert.ok(!eventFilter({ scope: ['swarm'] })(web));
});

test('exec_start and friends match with their detail suffix', () => {
  assert.ok(eventFilter({ event: ['exec_start'] })(execStart));
});

test('container matches by ID prefix or name, only container events', () => {
  assert.ok(eventFilter({ container: ['abc1'] })(web));
  assert.ok(eventFilter({ container: ['web'] })(web));
  assert.ok(!eventFilter({ container: ['db'] })(web));
  assert.ok(!eventFilter({ container: ['web'] })(pulled));
});

test('image matches image events and containers made from it, with or without the tag', () => {
  assert.ok(eventFilter({ image: ['busybox'] })(pulled));
  assert.ok(eventFilter({ image: ['busybox:latest'] })(web));
  assert.ok(eventFilter({ image: ['busybox'] })(web));
  assert.ok(eventFilter({ image: ['localhost:5000/app'] })(tagged));
  assert.ok(eventFilter({ image: ['sha256:2222'] })(tagged));
  assert.ok(!eventFilter({ image: ['localhost'] })(tagged));
});

test('labels: key alone or key=value, all must hold', () => {
  assert.ok(eventFilter({ label: ['tier'] })(web));
  assert.ok(eventFilter({ label: ['tier=front'] })(web));
  assert.ok(!eventFilter({ label: ['tier=back'] })(web));
  assert.ok(!eventFilter({ label: ['tier', 'zone'] })(web));
});

test('keys combine with AND', () => {
  assert.ok(eventFilter({ type: ['container'], container: ['web'], event: ['start'] })(web));
  assert.ok(!eventFilter({ type: ['container'], event: ['stop'] })(web));
});

test('an unknown key is ignored, as dockerd 20.10 does', () => {
  assert.ok(eventFilter({ colour: ['red'] })(web));
});
