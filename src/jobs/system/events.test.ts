import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { Engine } from '../../engine/engine.js';
import { EventBus } from '../../engine/events.js';
import { createLogger } from '../../engine/log.js';
import type { JobContext } from '../context.js';
import { systemJobs } from './index.js';

const log = createLogger('error');

function setup() {
  const events = new EventBus();
  const engine = new Engine({ events } as unknown as JobContext, log);
  engine.install(systemJobs);
  return { events, engine };
}

function lines(out: PassThrough): () => Record<string, unknown>[] {
  let text = '';
  out.on('data', (c: Buffer) => { text += c.toString(); });
  return () => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

const ns = (ms: number) => BigInt(ms) * 1_000_000n;

test('a past window replays the kept events in it, filtered, and ends', async () => {
  const { events, engine } = setup();
  events.publish({ Type: 'image', Action: 'pull', id: 'sha256:a', attributes: { name: 'busybox:latest' } });
  events.publish({ Type: 'image', Action: 'tag', id: 'sha256:a', attributes: { name: 'x:1' } });
  events.publish({ Type: 'container', Action: 'create', id: 'c1', attributes: { name: 'web' } });
  const out = new PassThrough();
  const got = lines(out);
  const now = Date.now();
  await engine.job('system_events', { sinceNs: ns(now - 60_000), untilNs: ns(now + 5), filters: { type: ['image'] } }, { stdout: out });
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(got().map((e) => e.Action), ['pull', 'tag']);
  assert.ok(out.writableEnded);
});

test('without bounds nothing is replayed; live events stream until the client goes', async () => {
  const { events, engine } = setup();
  events.publish({ Type: 'image', Action: 'pull', id: 'sha256:old' });
  const out = new PassThrough();
  const got = lines(out);
  const client = new AbortController();
  const run = engine.job('system_events', { sinceNs: null, untilNs: null, filters: {} }, { stdout: out, signal: client.signal });
  await new Promise((r) => setImmediate(r));
  events.publish({ Type: 'image', Action: 'tag', id: 'sha256:new' });
  events.publish({ Type: 'image', Action: 'untag', id: 'sha256:new' });
  await new Promise((r) => setTimeout(r, 10));
  client.abort();
  await run;
  assert.deepEqual(got().map((e) => e.Action), ['tag', 'untag']);
});

test('a future until ends the stream on time, and daemon shutdown ends an open one', async () => {
  const { events, engine } = setup();
  const out = new PassThrough();
  lines(out);
  const t0 = Date.now();
  await engine.job('system_events', { sinceNs: null, untilNs: ns(t0 + 150), filters: {} }, { stdout: out });
  const took = Date.now() - t0;
  assert.ok(took >= 100 && took < 1000, `ended after ${took}ms`);

  const open = new PassThrough();
  lines(open);
  const run = engine.job('system_events', { sinceNs: null, untilNs: null, filters: {} }, { stdout: open });
  await new Promise((r) => setImmediate(r));
  await engine.shutdown(2000);
  await run;
  assert.ok(open.writableEnded);
  void events;
});

test('since after until fails before anything is sent; unknown filters are ignored', async () => {
  const { engine } = setup();
  const out = new PassThrough();
  await assert.rejects(engine.job('system_events', { sinceNs: ns(2000), untilNs: ns(1000), filters: {} }, { stdout: out }), /cannot be after/);
  await engine.job('system_events', { sinceNs: ns(1000), untilNs: ns(2000), filters: { nope: ['x'] } }, { stdout: out });
});

test('a subscriber that stops reading is cut off instead of buffered without bound', async () => {
  const { events, engine } = setup();
  const out = new PassThrough(); // never read
  const run = engine.job('system_events', { sinceNs: null, untilNs: null, filters: {} }, { stdout: out });
  await new Promise((r) => setImmediate(r));
  const big = 'x'.repeat(64 << 10);
  for (let i = 0; i < 200 && !out.destroyed; i++) events.publish({ Type: 'image', Action: 'tag', id: 'sha256:a', attributes: { big } });
  await run;
  assert.ok(out.destroyed);
});
