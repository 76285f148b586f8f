import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { daemonWithBusybox, ok } from '../helpers/cli.js';

/**
 * A hijacked stream's head and its first bytes arrive apart. docker-py reads the
 * 101 head through Python's buffered HTTP reader and the stream from the raw socket
 * beneath it, so bytes that came in the same read as the head were lost to it: about
 * one `attach(logs=True)` in a hundred right after `wait()` returned nothing. Here the
 * client reads late on purpose, as a busy Python process does; its first read must
 * hold the head alone.
 */

/** The chunks a client that starts reading `delayMs` after sending `request` receives. */
function lateReader(socketPath: string, request: string, delayMs: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = connect(socketPath);
    s.pause();
    s.on('error', reject);
    s.on('connect', () => {
      s.write(request);
      setTimeout(() => s.resume(), delayMs);
    });
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('close', () => resolve(chunks));
  });
}

test('attach with logs=1: the client reads the 101 head before the log replay', { timeout: 60_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const id = (await ok(d, ['run', '-d', 'busybox', 'sh', '-c', 'echo a; echo b >&2; echo c'])).trim();
  await ok(d, ['wait', id]);
  const request = `POST /v1.41/containers/${id}/attach?logs=1&stream=0&stdout=1&stderr=1 HTTP/1.1\r\n`
    + 'Host: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n';
  for (let i = 0; i < 3; i++) {
    const chunks = await lateReader(d.socket, request, 15);
    const first = chunks[0]!.toString('latin1');
    assert.match(first, /^HTTP\/1\.1 101 UPGRADED\r\n/);
    assert.ok(first.endsWith('\r\n\r\n'), `the first read held more than the head: ${JSON.stringify(first)}`);
    // The replay follows: both streams, multiplexed (8-byte frame headers).
    const body = Buffer.concat(chunks.slice(1));
    const streams: Record<number, string> = { 1: '', 2: '' };
    for (let at = 0; at + 8 <= body.length; at += 8 + body.readUInt32BE(at + 4)) {
      streams[body[at]!] += body.subarray(at + 8, at + 8 + body.readUInt32BE(at + 4)).toString();
    }
    assert.deepEqual(streams, { 1: 'a\nc\n', 2: 'b\n' });
  }
});
