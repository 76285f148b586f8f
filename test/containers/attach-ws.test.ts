import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import WebSocket from 'ws';
import { daemonWithBusybox, inspect, ok } from '../helpers/cli.js';

/**
 * `GET /containers/{id}/attach/ws`, as dockerd 20.10 serves it (compared beside one):
 * the container's streams unmultiplexed, each piece of output a binary message, the
 * client's messages (text or binary) its stdin; errors before the handshake are plain
 * HTTP answers. The client here is the `ws` library over the daemon's unix socket.
 */

interface Session { ws: WebSocket; messages: { data: Buffer; binary: boolean }[]; text(): string }

function open(socket: string, path: string): Promise<Session | { status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws+unix://${socket}:${path}`);
    const messages: Session['messages'] = [];
    ws.on('message', (data: Buffer, binary: boolean) => messages.push({ data, binary }));
    ws.on('open', () => resolve({ ws, messages, text: () => Buffer.concat(messages.map((m) => m.data)).toString() }));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('error', reject);
  });
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(check(), what);
}

test('attach over websocket: raw output as binary messages, stdin from text and binary messages, errors as HTTP', { timeout: 60_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  await ok(d, ['run', '-d', '--name', 'w1', '-i', '--network', 'none', 'busybox', 'sh', '-c',
    'echo hello-out; echo hello-err >&2; while read l; do echo "got $l"; done']);
  const s = await open(d.socket, '/v1.41/containers/w1/attach/ws?logs=1&stream=1&stdin=1&stdout=1&stderr=1');
  assert.ok('ws' in s, JSON.stringify(s));
  await until('the log is replayed', () => s.text().includes('hello-out') && s.text().includes('hello-err'));
  // No stdcopy headers, although the container has no TTY: dockerd's MuxStreams false.
  assert.ok(s.messages.every((m) => m.binary && m.data[0] !== 1 && m.data[0] !== 2), JSON.stringify(s.messages.map((m) => m.data.toString())));
  s.ws.send('abc\n');
  s.ws.send(Buffer.from('def\n'), { binary: true });
  await until('stdin reached the container', () => s.text().includes('got abc\n') && s.text().includes('got def\n'));
  s.ws.close();
  await new Promise((r) => s.ws.once('close', r));
  assert.equal(await inspect(d, 'w1', '{{.State.Running}}'), 'true', 'the client going leaves the container running');

  // A TTY container's stream is raw already, its echo included.
  await ok(d, ['run', '-d', '--name', 'w2', '-it', '--network', 'none', 'busybox', 'sh']);
  const tty = await open(d.socket, '/v1.41/containers/w2/attach/ws?stream=1&stdin=1&stdout=1&stderr=1');
  assert.ok('ws' in tty);
  tty.ws.send('echo sum-$((40+2))\n');
  await until('the shell answered', () => tty.text().includes('sum-42\r\n'));
  tty.ws.close();

  // Before the handshake, errors are plain HTTP in dockerd's words.
  const missing = await open(d.socket, '/v1.41/containers/nosuch/attach/ws?stream=1');
  assert.deepEqual(missing, { status: 404, body: '{"message":"No such container: nosuch"}\n' });
  const plain = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    request({ socketPath: d.socket, path: '/v1.41/containers/w1/attach/ws?stream=1' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject).end();
  });
  assert.deepEqual(plain, { status: 400, body: '{"message":"not websocket protocol"}\n' });
  await ok(d, ['rm', '-f', 'w1', 'w2']);
});
