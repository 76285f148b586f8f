import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { DOCKER_CLI_20, startDaemon, waitFor, type TestDaemon } from '../helpers/daemon.js';
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

/**
 * A stdcopy stream as the lines of each stream in order, checking each header's shape.
 * berth puts consecutive records of one stream in one frame, so lines, not frames,
 * are what a client can rely on.
 */
function frames(body: Buffer): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  let i = 0;
  while (i < body.length) {
    assert.ok(i + 8 <= body.length, 'a whole header');
    assert.deepEqual([...body.subarray(i + 1, i + 4)], [0, 0, 0]);
    const len = body.readUInt32BE(i + 4);
    const stream = body[i]!;
    for (const line of body.subarray(i + 8, i + 8 + len).toString('utf8').split(/(?<=\n)/)) out.push([stream, line]);
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
  assert.deepEqual(await err('/containers/api/logs?stdout=1&since=abc'), [400, 'strconv.ParseInt: parsing "abc": invalid syntax']);
  assert.deepEqual(await err('/containers/api/logs?stdout=1&until=1.x'), [400, 'strconv.ParseInt: parsing "x": invalid syntax']);
  const none = await d.docker(['logs', 'quiet']);
  assert.notEqual(none.code, 0);
  assert.match(none.stderr, /configured logging driver does not support reading/);
  assert.match((await d.docker(['logs', 'nosuch'])).stderr, /No such container: nosuch/);

  // Drivers berth does not write to are refused as dockerd refuses them here (a
  // required option at create; a service this machine lacks at start), else in
  // berth's words at start: the container is made, never started, its logs nowhere.
  const refused = async (args: string[]) => (await d.docker(['run', '--rm', ...args, 'busybox', 'echo', 'hi'])).stderr;
  assert.match(await refused(['--log-driver', 'gelf']), /Error response from daemon: gelf-address is a required parameter/);
  assert.match(await refused(['--log-driver', 'awslogs']), /must specify a value for log opt 'awslogs-group'/);
  assert.match(await refused(['--log-driver', 'logentries']), /Missing logentries token/);
  assert.match(await refused(['--log-driver', 'splunk']), /failed to initialize logging driver: splunk: splunk-url is expected/);
  assert.match(await refused(['--log-driver', 'fluentd']), /failed to initialize logging driver: berth does not send logs to fluentd/);
  const syslog = await d.docker(['create', '--name', 'sys', '--log-driver', 'syslog', '--log-opt', 'syslog-address=udp://127.0.0.1:9', 'busybox', 'true']);
  assert.equal(syslog.code, 0, syslog.stderr);
  assert.match((await d.docker(['start', 'sys'])).stderr, /failed to initialize logging driver: berth does not send logs to syslog/);
  assert.equal((await ok(d, ['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'sys'])).stdout, 'created 128\n');
  assert.equal((await ok(d, ['run', '--rm', '--log-driver', 'local', 'busybox', 'echo', 'hi'])).stdout, 'hi\n');
  // Only json-file shows its path on inspect, as dockerd.
  await ok(d, ['run', '--name', 'loc', '--log-driver', 'local', 'busybox', 'echo', 'hi']);
  assert.equal((await ok(d, ['inspect', '-f', '{{.LogPath}}|{{.HostsPath}}', 'loc'])).stdout.split('|')[0], '');
  assert.equal((await ok(d, ['logs', 'loc'])).stdout, 'hi\n');
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
  assert.equal(frames(body).length, n);
  t.diagnostic(`${n} records (${body.length} bytes) in ${Date.now() - started} ms, tail 3 in ${tailMs} ms`);
});

// ---- end to end: containers run by the shim, which writes the log itself ----

const RFC3339_NANO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z /;

/** Open file descriptors of the daemon, to see that followers leave none behind. */
function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

test('docker logs of run containers: streams, --tail, -t, --since/--until, TTY', { timeout: 180_000 }, async (t: TestContext) => {
  const d = await startDaemon(t);
  const busybox = await busyboxImage();
  await ok(d, ['load', '-i', busybox.path]);

  await ok(d, ['run', '-d', '--name', 'oe', 'busybox', 'sh', '-c', 'echo out; sleep 0.2; echo err >&2; sleep 0.2; echo last']);
  assert.equal((await ok(d, ['wait', 'oe'])).stdout, '0\n');
  assert.deepEqual(await ok(d, ['logs', 'oe']), { stdout: 'out\nlast\n', stderr: 'err\n' });
  assert.deepEqual(await ok(d, ['logs', 'oe'], DOCKER_CLI_20), { stdout: 'out\nlast\n', stderr: 'err\n' });
  assert.deepEqual(await ok(d, ['logs', '--tail', '1', 'oe']), { stdout: 'last\n', stderr: '' });
  assert.deepEqual(await ok(d, ['logs', '--tail', '2', 'oe']), { stdout: 'last\n', stderr: 'err\n' });
  assert.equal(JSON.parse((await ok(d, ['inspect', 'oe'])).stdout)[0].State.Status, 'exited');

  // -t prints each record's time; --since/--until (given as those times) select by it.
  const ts = await ok(d, ['logs', '-t', 'oe']);
  const [outLine, lastLine] = ts.stdout.split('\n');
  assert.match(outLine!, RFC3339_NANO);
  assert.match(ts.stderr, RFC3339_NANO);
  assert.equal(outLine!.slice(31), 'out');
  const errTime = ts.stderr.slice(0, 30);
  const lastTime = lastLine!.slice(0, 30);
  assert.ok(errTime < lastTime && outLine!.slice(0, 30) < errTime, ts.stdout + ts.stderr);
  assert.deepEqual(await ok(d, ['logs', '--since', errTime, 'oe']), { stdout: 'last\n', stderr: 'err\n' });
  assert.deepEqual(await ok(d, ['logs', '--since', lastTime, 'oe']), { stdout: 'last\n', stderr: '' });
  assert.deepEqual(await ok(d, ['logs', '--until', errTime, 'oe']), { stdout: 'out\n', stderr: 'err\n' });
  assert.deepEqual(await ok(d, ['logs', '--since', '1h', 'oe']), { stdout: 'out\nlast\n', stderr: 'err\n' });

  // A TTY: one stream, sent raw, with the terminal's line endings.
  await ok(d, ['run', '-d', '-t', '--name', 'tty', 'busybox', 'sh', '-c', 'echo tty; echo also >&2']);
  await ok(d, ['wait', 'tty']);
  assert.deepEqual(await ok(d, ['logs', 'tty']), { stdout: 'tty\r\nalso\r\n', stderr: '' });
  const raw = await get(d, '/containers/tty/logs?stdout=1&stderr=1');
  assert.equal(raw.body.toString(), 'tty\r\nalso\r\n');

  await ok(d, ['rm', 'oe', 'tty']);
});

test('docker logs -f: follows until the container exits, and stops with its client', { timeout: 180_000 }, async (t: TestContext) => {
  const d = await startDaemon(t);
  const busybox = await busyboxImage();
  await ok(d, ['load', '-i', busybox.path]);

  // Ends by itself once the container has exited, with everything it wrote.
  await ok(d, ['run', '-d', '--name', 'count', 'busybox', 'sh', '-c', 'for i in 1 2 3; do echo $i; sleep 0.4; done; echo done >&2']);
  const started = Date.now();
  const follow = await d.docker(['logs', '-f', 'count'], { timeoutMs: 20_000 });
  assert.equal(follow.code, 0, follow.stderr);
  assert.deepEqual({ stdout: follow.stdout, stderr: follow.stderr }, { stdout: '1\n2\n3\n', stderr: 'done\n' });
  assert.ok(Date.now() - started < 10_000);
  // On an exited container -f returns at once.
  assert.deepEqual(await ok(d, ['logs', '-f', '--tail', '1', 'count']), { stdout: '', stderr: 'done\n' });

  // A silent running container: a follower the client abandons leaves nothing behind.
  await ok(d, ['run', '-d', '--name', 'quiet', 'busybox', 'sleep', '60']);
  const before = fdCount(d.pid);
  for (let i = 0; i < 4; i++) {
    const r = await d.docker(['logs', '-f', 'quiet'], { timeoutMs: 700 });
    assert.notEqual(r.code, 0, 'killed by its timeout, still following');
  }
  await waitFor('the followers to be gone', () => fdCount(d.pid) <= before, 5_000);

  // The follower waits for a record's "\n" (the shim may write one in several
  // writes) and goes on into the new file after a rotation, draining the old one
  // first. The rotation is the test's, on a container that writes nothing itself.
  const file = JSON.parse((await ok(d, ['inspect', 'quiet'])).stdout)[0].Id as string;
  const path = logFile(d, file);
  const following = d.docker(['logs', '-f', '-t', 'quiet'], { timeoutMs: 30_000 });
  await new Promise((r) => setTimeout(r, 500));
  const half = JSON.stringify(rec('stdout', 'split write\n', '2024-01-01T00:00:01Z')) + '\n';
  appendFileSync(path, half.slice(0, 20));
  await new Promise((r) => setTimeout(r, 300));
  appendFileSync(path, half.slice(20) + jsonl([rec('stdout', 'before rotation\n', '2024-01-01T00:00:02Z')]));
  renameSync(path, `${path}.1`);
  appendFileSync(`${path}.1`, jsonl([rec('stderr', 'late in the old file\n', '2024-01-01T00:00:03Z')]));
  await new Promise((r) => setTimeout(r, 300));
  writeFileSync(path, jsonl([rec('stdout', 'new file\n', '2024-01-01T00:00:04Z')]));
  await new Promise((r) => setTimeout(r, 300));
  await ok(d, ['kill', 'quiet']);
  const r = await following;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '2024-01-01T00:00:01.000000000Z split write\n2024-01-01T00:00:02.000000000Z before rotation\n2024-01-01T00:00:04.000000000Z new file\n');
  assert.equal(r.stderr, '2024-01-01T00:00:03.000000000Z late in the old file\n');

  await ok(d, ['rm', 'count', 'quiet']);
});

/**
 * The lines a log rotated at 1000 bytes keeps of `line-0`..`line-199`: the last ones,
 * in order, about 17 per kept file (a record is 56-58 bytes: Go trims the timestamp's
 * trailing zeros, so where a file fills varies by a line; dockerd 20.10 kept 18 and 5).
 */
function assertLastLines(kept: string[], files: number): void {
  // The files before the current one are full (at least 1000 bytes); the current one holds from one line to a full file.
  const least = Math.max(1, Math.floor(1000 / 58) * (files - 1));
  const most = (Math.ceil(1000 / 56) + 1) * files;
  assert.ok(kept.length >= least && kept.length <= most, `${kept.length} lines: ${kept.join(',')}`);
  assert.deepEqual(kept, Array.from({ length: kept.length }, (_, i) => `line-${200 - kept.length + i}`));
}

test('--log-opt max-size and max-file rotate the json-file log as dockerd 20.10 does; -f follows through the rotations', { timeout: 120_000 }, async (t: TestContext) => {
  const d = await startDaemon(t);
  await ok(d, ['load', '-i', (await busyboxImage()).path]);
  const lines = 'i=0; while [ $i -lt 200 ]; do echo line-$i; i=$((i+1)); done';
  // dockerd 20.10 keeps the same 18 lines here: two files of about 1000 bytes.
  await ok(d, ['run', '--name', 'two', '--log-opt', 'max-size=1k', '--log-opt', 'max-file=2', 'busybox', 'sh', '-c', lines]);
  const kept = (await ok(d, ['logs', 'two'])).stdout.split('\n').filter(Boolean);
  assertLastLines(kept, 2);
  const id = JSON.parse((await ok(d, ['inspect', 'two'])).stdout)[0].Id as string;
  const files = readdirSync(join(d.dir, 'data', 'containers', id)).filter((f) => f.includes('-json.log')).sort();
  assert.deepEqual(files, [`${id}-json.log`, `${id}-json.log.1`]);
  // One file: truncated in place, 5 lines left as in dockerd; no max-size: no rotation.
  await ok(d, ['run', '--name', 'one', '--log-opt', 'max-size=1k', 'busybox', 'sh', '-c', lines]);
  assertLastLines((await ok(d, ['logs', 'one'])).stdout.split('\n').filter(Boolean), 1);
  await ok(d, ['run', '--name', 'all', '--log-opt', 'max-file=2', 'busybox', 'sh', '-c', lines]);
  assert.equal((await ok(d, ['logs', 'all'])).stdout.split('\n').filter(Boolean).length, 200);

  // A follower started with the container sees every line once, across the rotations
  // (dockerd 20.10 repeated some lines here).
  await ok(d, ['run', '-d', '--name', 'slow', '--log-opt', 'max-size=1k', '--log-opt', 'max-file=3', 'busybox', 'sh', '-c',
    'i=0; while [ $i -lt 100 ]; do echo line-$i; i=$((i+1)); sleep 0.05; done']);
  const followed = await d.docker(['logs', '-f', 'slow'], { timeoutMs: 30_000 });
  assert.equal(followed.code, 0, followed.stderr);
  assert.deepEqual(followed.stdout.split('\n').filter(Boolean), Array.from({ length: 100 }, (_, i) => `line-${i}`));
  await ok(d, ['rm', 'two', 'one', 'all', 'slow']);

  // The daemon's --log-opt are the defaults of containers on its driver that set none.
  const e = await startDaemon(t, { args: ['--log-opt', 'max-size=1k', '--log-opt', 'max-file=2'] });
  await ok(e, ['load', '-i', (await busyboxImage()).path]);
  await ok(e, ['run', '--name', 'dflt', 'busybox', 'sh', '-c', lines]);
  assertLastLines((await ok(e, ['logs', 'dflt'])).stdout.split('\n').filter(Boolean), 2);
  assert.equal((await ok(e, ['inspect', '-f', '{{json .HostConfig.LogConfig}}', 'dflt'])).stdout.trim(), '{"Type":"json-file","Config":{"max-file":"2","max-size":"1k"}}');
  await ok(e, ['run', '--name', 'own', '--log-opt', 'max-file=1', 'busybox', 'sh', '-c', lines]);
  assertLastLines((await ok(e, ['logs', 'own'])).stdout.split('\n').filter(Boolean), 1); // its own max-file wins, the daemon's max-size stays
  await ok(e, ['rm', 'dflt', 'own']);
});
