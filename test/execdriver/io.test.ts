/** Attach, stdin, tty resize and exec through the native driver. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Duplex } from 'node:stream';
import { StartFailed } from '../../src/drivers/execdriver/types.js';
import { collect, demux, logPath, logText, run, setup, spec, until } from './harness.js';

/** Reads a stream into a growing buffer, for checks while it is still open. */
function tap(s: Duplex): () => Buffer {
  let buf = Buffer.alloc(0);
  s.on('data', (d: Buffer) => { buf = Buffer.concat([buf, d]); });
  return () => buf;
}

test('attach receives stdcopy frames and its bytes are the container\'s stdin', async (t) => {
  const env = await setup(t);
  const { id, h } = await run(env, { args: ['sh', '-c', 'while read l; do echo "out:$l"; echo "err:$l" >&2; done; echo bye'] }, { stdin: true });
  const s = await h.attach({ stdin: true, stdout: true, stderr: true });
  const got = tap(s);
  s.write('one\n');
  await until(() => demux(got()).stderr === 'err:one\n', 'the echo of the first line');
  assert.equal(demux(got()).stdout, 'out:one\n');
  assert.equal(got()[0], 1, 'first frame is stdout');
  // Without --stdin-once a half-close only stops this client's stdin.
  s.end();
  s.write = () => true;
  const second = await h.attach({ stdin: true, stdout: true, stderr: false });
  const got2 = tap(second);
  second.write('two\n');
  await until(() => demux(got2()).stdout === 'out:two\n', 'the second client\'s line');
  await h.closeStdin();
  assert.equal((await h.wait()).exitCode, 0);
  await until(() => demux(got2()).stdout === 'out:two\nbye\n', 'output up to the exit');
  assert.equal(demux(got2()).stderr, '', 'stderr not requested');
  assert.equal(logText(logPath(env, id), 'stdout'), 'out:one\nout:two\nbye\n');
});

test('stdinOnce: the first attach\'s half-close is the container\'s EOF', async (t) => {
  const env = await setup(t);
  const { h } = await run(env, { args: ['cat'] }, { stdin: true, stdinOnce: true });
  const s = await h.attach({ stdin: true, stdout: true, stderr: true });
  const all = collect(s);
  s.end('abc\n');
  assert.equal((await h.wait()).exitCode, 0);
  assert.equal(demux(await all).stdout, 'abc\n');
});

test('with a tty the attach stream is raw and resize reaches the pty', async (t) => {
  const env = await setup(t);
  const { h } = await run(env, { args: ['sh', '-c', 'read x; stty size'], tty: true }, { stdin: true });
  const s = await h.attach({ stdin: true, stdout: true, stderr: true });
  const got = tap(s);
  await h.resize(123, 45);
  s.write('\r');
  await until(() => got().toString().includes('45 123'), 'stty size output');
  assert.notEqual(got()[0], 1, 'no stdcopy header');
  assert.equal((await h.wait()).exitCode, 0);
});

test('exec runs in the container, streams its output and reports its exit code', async (t) => {
  const env = await setup(t);
  const { id, h } = await run(env, { args: ['sleep', '100'] });
  const proc = spec(env, id, { args: ['x'] }).process;
  const e = await h.exec({ id: 'e1', process: { ...proc, args: ['sh', '-c', 'echo in-exec; echo warn >&2; hostname; exit 3'] }, stdin: false, detach: false });
  assert.ok(e.pid > 0);
  assert.ok(e.stream);
  const out = demux(await collect(e.stream));
  assert.equal(out.stdout, `in-exec\n${id.slice(0, 12)}\n`);
  assert.equal(out.stderr, 'warn\n');
  assert.deepEqual(await e.wait(), { exitCode: 3 });

  const d = await h.exec({ id: 'e2', process: { ...proc, args: ['sh', '-c', 'sleep 0.2; exit 5'] }, stdin: false, detach: true });
  assert.equal(d.stream, null);
  assert.deepEqual(await d.wait(), { exitCode: 5 });

  const i = await h.exec({ id: 'e3', process: { ...proc, args: ['cat'] }, stdin: true, detach: false });
  const got = collect(i.stream!);
  i.stream!.end('via stdin\n');
  assert.equal(demux(await got).stdout, 'via stdin\n');
  assert.deepEqual(await i.wait(), { exitCode: 0 });

  await assert.rejects(h.exec({ id: 'e4', process: { ...proc, args: ['nosuch'] }, stdin: false, detach: false }), (err: unknown) => {
    assert.ok(err instanceof StartFailed);
    assert.equal(err.exitCode, 126); // dockerd 20.10 records 126 for any exec that cannot start
    assert.equal(err.kind, 'invalid_parameter');
    assert.equal(err.message, 'OCI runtime exec failed: exec failed: unable to start container process: exec: "nosuch": executable file not found in $PATH: unknown');
    return true;
  });
  await h.signal(9);
  await h.wait();
  await assert.rejects(h.exec({ id: 'e5', process: { ...proc, args: ['true'] }, stdin: false, detach: false }), { kind: 'conflict' });
});

test('streams attached at start see all output, even of a command that exits at once', async (t) => {
  const env = await setup(t);
  const streams: Promise<Buffer>[] = [];
  const { h } = await run(env, { args: ['sh', '-c', 'echo first; echo second >&2'] }, {
    attach: [{ stdin: false, stdout: true, stderr: true, onStream: (s) => streams.push(collect(s)) }],
  });
  assert.equal((await h.wait()).exitCode, 0);
  assert.equal(streams.length, 1);
  assert.deepEqual(demux(await streams[0]!), { stdout: 'first\n', stderr: 'second\n' });
});
