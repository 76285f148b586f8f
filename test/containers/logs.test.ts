import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { DOCKER_CLI_20, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { busyboxImage } from '../helpers/fixtures.js';

/**
 * `docker logs`. The reader tests use created (never started) containers whose
 * json-file log the test writes itself, in the shim's format: they test the
 * reading, framing and filtering, not the shim.
 */

async function ok(d: Pick<TestDaemon, 'docker'>, args: string[], cli?: string): Promise<{ stdout: string; stderr: string }> {
  const r = await d.docker(args, cli ? { cli } : {});
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

interface LogLine { stream: 'stdout' | 'stderr'; log: string; time: string }

const rec = (stream: LogLine['stream'], log: string, time: string): LogLine => ({ log, stream, time });
const jsonl = (records: LogLine[]) => records.map((r) => `${JSON.stringify(r)}\n`).join('');

/** Where the daemon keeps the container's log (before start: dockerd's path, no LogPath yet). */
function logFile(d: TestDaemon, id: string): string {
  const dir = join(d.dir, 'data', 'containers', id);
  mkdirSync(dir, { recursive: true });
  return join(dir, `${id}-json.log`);
}

interface Raw { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }

/** A plain GET on the daemon's socket, body as bytes. */
function get(d: TestDaemon, path: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: d.socket, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Split a stdcopy stream into its frames, checking each header's shape. */
function frames(body: Buffer): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  let i = 0;
  while (i < body.length) {
    assert.ok(i + 8 <= body.length, 'a whole header');
    assert.deepEqual([...body.subarray(i + 1, i + 4)], [0, 0, 0]);
    const len = body.readUInt32BE(i + 4);
    out.push([body[i]!, body.subarray(i + 8, i + 8 + len).toString('utf8')]);
    i += 8 + len;
  }
  return out;
}

test('log reader: streams to the CLI\'s stdout and stderr, rotated files, split lines, tail, -t, since and until', { timeout: 120_000 }, async (t: TestContext) => {
  const d = await startDaemon(t);
  const busybox = await busyboxImage();
  await ok(d, ['load', '-i', busybox.path]);
  const id = (await ok(d, ['create', '--name', 'lr', 'busybox'])).stdout.trim();
  const file = logFile(d, id);

  // Oldest first: FILE.2, FILE.1, FILE. A 40 KiB line arrives as three records, the
  // last one ending it. The file ends inside a record being written: not shown.
  const long = 'x'.repeat(40 * 1024);
  writeFileSync(`${file}.2`, jsonl([rec('stdout', 'one\n', '2024-01-01T00:00:01Z'), rec('stderr', 'two\n', '2024-01-01T00:00:02.5Z')]));
  writeFileSync(`${file}.1`, jsonl([rec('stdout', 'three\n', '2024-01-01T00:00:03.000000001Z')]));
  writeFileSync(file, jsonl([
    rec('stdout', long.slice(0, 16384), '2024-01-01T00:00:04Z'),
    rec('stdout', long.slice(16384, 32768), '2024-01-01T00:00:04.1Z'),
    rec('stdout', `${long.slice(32768)}\n`, '2024-01-01T00:00:04.2Z'),
    rec('stderr', 'five <&> é\n', '2024-01-01T00:00:05Z'),
  ]) + '{"log":"half a rec');

  const all = await ok(d, ['logs', 'lr']);
  assert.equal(all.stdout, `one\nthree\n${long}\n`);
  assert.equal(all.stderr, 'two\nfive <&> é\n');
  const old = await ok(d, ['logs', 'lr'], DOCKER_CLI_20);
  assert.equal(old.stdout, all.stdout);
  assert.equal(old.stderr, all.stderr);

  // tail counts records of both streams, across the rotated files.
  assert.deepEqual(await ok(d, ['logs', '--tail', '1', 'lr']), { stdout: '', stderr: 'five <&> é\n' });
  assert.deepEqual(await ok(d, ['logs', '--tail', '5', 'lr']), { stdout: `three\n${long}\n`, stderr: 'five <&> é\n' });
  assert.deepEqual(await ok(d, ['logs', '--tail', '6', 'lr']), { stdout: `three\n${long}\n`, stderr: 'two\nfive <&> é\n' });
  assert.deepEqual(await ok(d, ['logs', '--tail', '0', 'lr']), { stdout: '', stderr: '' });
  assert.deepEqual(await ok(d, ['logs', '--tail', 'all', 'lr']), all);

  // -t: RFC3339Nano with all nine digits, on every record (so inside the split line too).
  const ts = await ok(d, ['logs', '-t', '--tail', '5', 'lr']);
  assert.equal(ts.stdout, `2024-01-01T00:00:03.000000001Z three\n2024-01-01T00:00:04.000000000Z ${long.slice(0, 16384)}`
    + `2024-01-01T00:00:04.100000000Z ${long.slice(16384, 32768)}2024-01-01T00:00:04.200000000Z ${long.slice(32768)}\n`);
  assert.equal(ts.stderr, '2024-01-01T00:00:05.000000000Z five <&> é\n');

  // since is inclusive, until too; the CLI sends unix seconds.
  const s3 = String(Date.parse('2024-01-01T00:00:03Z') / 1000);
  assert.deepEqual(await ok(d, ['logs', '--since', `${s3}.000000001`, '--until', '2024-01-01T00:00:04Z', 'lr']),
    { stdout: `three\n${long.slice(0, 16384)}`, stderr: '' });
  assert.deepEqual(await ok(d, ['logs', '--since', '2024-01-01T00:00:02.5Z', '--until', s3, 'lr']), { stdout: '', stderr: 'two\n' });
  assert.deepEqual(await ok(d, ['logs', '--since', '2030-01-01T00:00:00Z', 'lr']), { stdout: '', stderr: '' });

  // follow on a container that does not run returns what there is.
  assert.deepEqual(await ok(d, ['logs', '-f', '--tail', '1', 'lr']), { stdout: '', stderr: 'five <&> é\n' });
});

test('log reader over the API: stdcopy frames, stream choice, details, errors as dockerd', { timeout: 120_000 }, async (t: TestContext) => {
  const d = await startDaemon(t);
  const busybox = await busyboxImage();
  await ok(d, ['load', '-i', busybox.path]);
  const id = (await ok(d, ['create', '--name', 'api', 'busybox'])).stdout.trim();
  const tty = (await ok(d, ['create', '-t', '--name', 'tty', 'busybox'])).stdout.trim();
  await ok(d, ['create', '--name', 'quiet', '--log-driver', 'none', 'busybox']);
  writeFileSync(logFile(d, id), jsonl([rec('stderr', 'err\n', '2024-01-01T00:00:01Z'), rec('stdout', 'out\n', '2024-01-01T00:00:02Z')])
    + `${JSON.stringify({ log: 'tagged\n', stream: 'stdout', attrs: { b: 'x y', a: '1' }, time: '2024-01-01T00:00:03Z' })}\n`
    + 'not a record\n');
  writeFileSync(logFile(d, tty), jsonl([rec('stdout', 'hello\r\n', '2024-01-01T00:00:01Z')]));

  const both = await get(d, '/v1.41/containers/api/logs?stdout=1&stderr=1');
  assert.equal(both.status, 200);
  assert.equal(both.headers['content-type'], 'application/vnd.docker.raw-stream');
  assert.deepEqual(frames(both.body), [[2, 'err\n'], [1, 'out\n'], [1, 'tagged\n']]);
  assert.deepEqual(frames((await get(d, '/containers/api/logs?stderr=1')).body), [[2, 'err\n']]);
  assert.deepEqual(frames((await get(d, '/containers/api/logs?stdout=true&tail=2')).body), [[1, 'tagged\n']]);
  // details: the attrs sorted and query-escaped, then a space (even with no attrs).
  assert.deepEqual(frames((await get(d, '/containers/api/logs?stdout=1&details=1')).body), [[1, ' out\n'], [1, 'a=1,b=x+y tagged\n']]);
  assert.deepEqual(frames((await get(d, '/containers/api/logs?stdout=1&since=1704067202&until=1704067202.5')).body), [[1, 'out\n']]);

  // A TTY container's log is sent raw.
  const raw = await get(d, `/containers/${tty.slice(0, 12)}/logs?stdout=1&stderr=1&timestamps=1`);
  assert.equal(raw.body.toString(), '2024-01-01T00:00:01.000000000Z hello\r\n');
  assert.equal((await ok(d, ['logs', 'tty'])).stdout, 'hello\r\n');

  // Errors, in dockerd's order: the stream choice first, then the container, then the driver, then the times.
  const err = async (path: string) => {
    const r = await get(d, path);
    return [r.status, JSON.parse(r.body.toString()).message];
  };
  assert.deepEqual(await err('/containers/nosuch/logs'), [400, 'Bad parameters: you must choose at least one stream']);
  assert.deepEqual(await err('/containers/nosuch/logs?stdout=1'), [404, 'No such container: nosuch']);
  assert.deepEqual(await err('/containers/quiet/logs?stdout=1&since=abc'), [501, 'configured logging driver does not support reading']);
  assert.deepEqual(await err('/containers/api/logs?stdout=1&since=abc'), [500, 'strconv.ParseInt: parsing "abc": invalid syntax']);
  assert.deepEqual(await err('/containers/api/logs?stdout=1&until=1.x'), [500, 'strconv.ParseInt: parsing "x": invalid syntax']);
  const none = await d.docker(['logs', 'quiet']);
  assert.notEqual(none.code, 0);
  assert.match(none.stderr, /configured logging driver does not support reading/);
  assert.match((await d.docker(['logs', 'nosuch'])).stderr, /No such container: nosuch/);
});

test('log reader: a large log is streamed, and its tail read from the end', { timeout: 120_000 }, async (t: TestContext) => {
  const d = await startDaemon(t);
  const busybox = await busyboxImage();
  await ok(d, ['load', '-i', busybox.path]);
  const id = (await ok(d, ['create', '--name', 'big', 'busybox'])).stdout.trim();
  const n = 300_000;
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(`{"log":"line ${i} ${'.'.repeat(40)}\\n","stream":"stdout","time":"2024-01-01T00:00:00.${String(i).padStart(9, '0')}Z"}\n`);
  writeFileSync(logFile(d, id), parts.join(''));

  let started = Date.now();
  const tail = frames((await get(d, '/containers/big/logs?stdout=1&tail=3')).body);
  const tailMs = Date.now() - started;
  assert.deepEqual(tail.map(([, s]) => s.split(' ')[1]), [String(n - 3), String(n - 2), String(n - 1)]);
  assert.ok(tailMs < 1000, `tail took ${tailMs} ms`);

  started = Date.now();
  const whole = await get(d, '/containers/big/logs?stdout=1');
  const body = whole.body;
  let count = 0;
  for (let i = 0; i < body.length; i += 8 + body.readUInt32BE(i + 4)) count++;
  assert.equal(count, n);
  t.diagnostic(`${n} records (${body.length} bytes) in ${Date.now() - started} ms, tail 3 in ${tailMs} ms`);
});
