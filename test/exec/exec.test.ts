import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import { DOCKER_CLI_20, DOCKER_CLI_28, waitFor, type TestDaemon } from '../helpers/daemon.js';
import { ok, withTty, daemonWithBusybox as setup } from '../helpers/cli.js';

/**
 * `docker exec` through the real docker CLIs (28 and 20.10) and dockerode: output and
 * exit codes, -e/-w/-u, stdin, a TTY, -d, --privileged, dockerd 20.10's errors; the
 * exec API (inspect, start twice, resize, events) on the daemon's socket.
 */

interface Answer { status: number; body: string }

/** One API call on the daemon's socket with a JSON body. */
function call(d: TestDaemon, method: string, path: string, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? '' : JSON.stringify(body);
    const req = request({ socketPath: d.socket, path, method, agent: false, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } }, (res) => {
      let data = '';
      res.on('data', (c) => { data += c; });
      res.on('end', () => resolve({ status: res.statusCode!, body: data }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function createExec(d: TestDaemon, container: string, body: Record<string, unknown>): Promise<string> {
  const r = await call(d, 'POST', `/v1.41/containers/${container}/exec`, body);
  assert.equal(r.status, 201, r.body);
  return (JSON.parse(r.body) as { Id: string }).Id;
}

/**
 * `POST /exec/{id}/start` hijacked as the CLI does it: the head, then everything the
 * daemon sends until it closes. `during` runs once the head is in.
 */
function startHijacked(d: TestDaemon, id: string, body: object, during?: () => Promise<void>): Promise<{ head: string; data: Buffer }> {
  return new Promise((resolve, reject) => {
    const s = connect(d.socket);
    const payload = JSON.stringify(body);
    s.write(`POST /v1.41/exec/${id}/start HTTP/1.1\r\nHost: berth\r\nContent-Type: application/json\r\nContent-Length: ${payload.length}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n${payload}`);
    let buf = Buffer.alloc(0);
    let head: string | undefined;
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      const at = buf.indexOf('\r\n\r\n');
      if (head === undefined && at >= 0) {
        head = buf.subarray(0, at).toString();
        buf = buf.subarray(at + 4);
        void during?.().catch(reject);
      }
    });
    s.on('end', () => { s.end(); resolve({ head: head ?? '', data: buf }); });
    s.on('error', reject);
    setTimeout(() => s.destroy(new Error('hijacked start did not end')), 20_000).unref();
  });
}

/** Split a stdcopy stream into its stdout and stderr text. */
function demux(buf: Buffer): { stdout: string; stderr: string } {
  const out = { stdout: '', stderr: '' };
  for (let at = 0; at + 8 <= buf.length;) {
    const size = buf.readUInt32BE(at + 4);
    const text = buf.subarray(at + 8, at + 8 + size).toString();
    if (buf[at] === 1) out.stdout += text;
    else out.stderr += text;
    at += 8 + size;
  }
  return out;
}

test('docker exec: output, exit codes, -e, -w, -u, stdin, and dockerd\'s errors (both CLIs)', { timeout: 180_000 }, async (t) => {
  const d = await setup(t);
  await ok(d, ['run', '-d', '--name', 'box', '--stop-timeout', '1', '-e', 'FROM_RUN=1', '-w', '/tmp', 'busybox', 'sleep', '1000']);
  for (const cli of [DOCKER_CLI_28, DOCKER_CLI_20]) {
    assert.equal(await ok(d, ['exec', 'box', 'echo', 'hi'], { cli }), 'hi\n');
    const both = await d.docker(['exec', 'box', 'sh', '-c', 'echo out; echo err >&2; exit 7'], { cli });
    assert.deepEqual([both.code, both.stdout, both.stderr], [7, 'out\n', 'err\n'], cli);
  }
  // A quick process's output arrives with the shim's reply: none of it may be lost.
  for (let i = 0; i < 15; i++) assert.equal(await ok(d, ['exec', 'box', 'echo', `run-${i}`]), `run-${i}\n`);

  // The container's env and workdir, the exec's on top; dockerd's order with HOME last.
  const env = (await ok(d, ['exec', '-e', 'EXTRA=x', '-e', 'FROM_RUN=2', 'box', 'env'])).trim().split('\n');
  const hostname = (await ok(d, ['inspect', '-f', '{{.Config.Hostname}}', 'box'])).trim();
  assert.deepEqual(env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', `HOSTNAME=${hostname}`, 'FROM_RUN=2', 'EXTRA=x', 'HOME=/root']);
  assert.equal(await ok(d, ['exec', 'box', 'pwd']), '/tmp\n');
  assert.equal(await ok(d, ['exec', '-w', '/root', 'box', 'pwd']), '/root\n');
  assert.equal(await ok(d, ['exec', '-u', 'nobody', 'box', 'sh', '-c', 'id; echo $HOME']), 'uid=65534(nobody) gid=65534(nobody) groups=65534(nobody)\n/nonexistent\n');
  assert.equal(await ok(d, ['exec', '-u', '1234:5', 'box', 'id', '-u']), '1234\n');

  // -i: piped stdin reaches the process, and its end closes the process's stdin.
  assert.equal(await ok(d, ['exec', '-i', 'box', 'sh', '-c', 'cat; echo done'], { input: 'from stdin\n' }), 'from stdin\ndone\n');
  // Without -i nothing is read from the client.
  assert.equal(await ok(d, ['exec', 'box', 'sh', '-c', 'cat; echo eof'], { input: 'ignored\n' }), 'eof\n');

  // A command that cannot run: dockerd 20.10 prints the runtime's error and records 126.
  const missing = await d.docker(['exec', 'box', 'nosuch']);
  assert.equal(missing.code, 126);
  assert.equal(missing.stdout + missing.stderr, 'OCI runtime exec failed: exec failed: unable to start container process: exec: "nosuch": executable file not found in $PATH: unknown\r\n');
  const notExec = await d.docker(['exec', 'box', '/etc/passwd']);
  assert.equal(notExec.code, 126);
  assert.match(notExec.stdout, /exec: "\/etc\/passwd": permission denied: unknown/);
  const noUser = await d.docker(['exec', '-u', 'nouser', 'box', 'id']);
  assert.equal(noUser.code, 126);
  assert.match(noUser.stdout, /^unable to find user nouser: no matching entries in passwd file/);
  const noDir = await d.docker(['exec', '-w', '/nonexistent', 'box', 'pwd']);
  assert.equal(noDir.code, 126);
  assert.match(noDir.stdout, /chdir to cwd \("\/nonexistent"\) set in config.json failed: no such file or directory/);

  // Containers that do not run, or do not exist.
  const id = (await ok(d, ['create', '--name', 'idle', 'busybox', 'sleep', '10'])).trim();
  const stopped = await d.docker(['exec', 'idle', 'true']);
  assert.equal(stopped.code, 1);
  assert.match(stopped.stderr, new RegExp(`Error response from daemon: Container ${id} is not running`));
  const none = await d.docker(['exec', 'nope', 'true']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /No such container: nope/);
});

test('docker exec -t, -d, detach keys and --privileged', { timeout: 180_000 }, async (t) => {
  const d = await setup(t);
  await ok(d, ['run', '-d', '--name', 'box', '--stop-timeout', '1', '--security-opt', 'seccomp=unconfined', 'busybox', 'sleep', '1000']);

  for (const cli of [DOCKER_CLI_28, DOCKER_CLI_20]) {
    const tty = await withTty(d, `${cli} exec -t box sh -c 'tty; echo $TERM; exit 5'`);
    assert.equal(tty.code, 5, tty.out);
    assert.match(tty.out, /\/dev\/pts\/\d+\r+\nxterm\r+\n/);
  }

  // -d: answered at once, the process runs on in the container.
  await ok(d, ['exec', '-d', 'box', 'sh', '-c', 'echo started > /tmp/flag; sleep 30']);
  await waitFor('the detached exec', async () => (await d.docker(['exec', 'box', 'cat', '/tmp/flag'])).stdout === 'started\n');
  assert.match(await ok(d, ['exec', 'box', 'ps']), /sleep 30/);

  // ctrl-p ctrl-q leaves an interactive tty exec running.
  const detach = await new Promise<{ code: number; out: string }>((resolve, reject) => {
    const p = spawn('sh', ['-c', `(sleep 1; printf 'echo in-$((6*7))\\n'; sleep 1; printf '\\020\\021'; sleep 3) | script -qec "${DOCKER_CLI_28} exec -it box sh" /dev/null`], {
      env: { ...process.env, DOCKER_HOST: d.host, DOCKER_CLI_HINTS: 'false' },
    });
    let out = '';
    p.stdout.on('data', (c) => { out += c; });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
  assert.match(detach.out, /in-42/);
  assert.match(detach.out, /read escape sequence/);
  assert.match(await ok(d, ['exec', 'box', 'ps']), /\d+ root +sh\n/, 'the detached shell still runs');

  // --privileged: every capability, so a mount works where a plain exec is refused.
  const plain = await d.docker(['exec', 'box', 'mount', '-t', 'tmpfs', 'none', '/tmp']);
  assert.notEqual(plain.code, 0);
  assert.match(plain.stderr, /permission denied/);
  assert.match(await ok(d, ['exec', '--privileged', 'box', 'sh', '-c', 'mount -t tmpfs none /tmp && grep " /tmp " /proc/mounts']), /^none \/tmp tmpfs /);
  const capEff = (s: string) => BigInt('0x' + /CapEff:\s+([0-9a-f]+)/.exec(s)![1]);
  const defaults = capEff(await ok(d, ['exec', 'box', 'cat', '/proc/self/status']));
  assert.equal(defaults, 0xa80425fbn, 'Docker\'s default set');
  const all = capEff(await ok(d, ['exec', '--privileged', 'box', 'cat', '/proc/self/status']));
  assert.ok((all & defaults) === defaults && all > defaults && (all & (1n << 21n)) !== 0n, 'CAP_SYS_ADMIN and the rest');
  // A non-root user keeps only the bounding set, privileged or not.
  assert.equal(capEff(await ok(d, ['exec', '-u', 'nobody', '--privileged', 'box', 'cat', '/proc/self/status'])), 0n);
});

test('the exec API: inspect, start twice, resize, errors before and inside the stream, events, and exec records that go with the container', { timeout: 180_000 }, async (t) => {
  const d = await setup(t);
  const cid = (await ok(d, ['run', '-d', '--name', 'box', '--stop-timeout', '1', 'busybox', 'sleep', '1000'])).trim();
  const since = Math.floor(Date.now() / 1000) - 1;

  assert.deepEqual(await call(d, 'POST', '/v1.41/containers/box/exec', { Cmd: [] }), { status: 400, body: '{"message":"No exec command specified"}\n' });
  assert.equal((await call(d, 'POST', '/v1.41/containers/box/exec', { Cmd: 'id' })).status, 400);
  const badKeys = await call(d, 'POST', '/v1.41/containers/box/exec', { Cmd: ['id'], DetachKeys: 'ctrl-1' });
  assert.deepEqual(badKeys, { status: 500, body: '{"message":"Invalid escape keys (ctrl-1) provided"}\n' });
  // A key is one byte, as Go counts: a letter outside ASCII is no key.
  const wideKey = await call(d, 'POST', '/v1.41/containers/box/exec', { Cmd: ['id'], DetachKeys: 'ÿ' });
  assert.deepEqual(wideKey, { status: 500, body: '{"message":"Invalid escape keys (ÿ) provided"}\n' });
  for (const [method, path] of [['GET', '/v1.41/exec/abc/json'], ['POST', '/v1.41/exec/abc/start'], ['POST', '/v1.41/exec/abc/resize?h=1&w=1']] as const) {
    assert.deepEqual(await call(d, method, path, method === 'POST' ? {} : undefined), { status: 404, body: '{"message":"No such exec instance: abc"}\n' });
  }

  const id = await createExec(d, 'box', { Cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'], AttachStdout: true, AttachStderr: true, User: 'nobody', DetachKeys: 'ctrl-a,x' });
  assert.match(id, /^[0-9a-f]{64}$/);
  const before = JSON.parse((await call(d, 'GET', `/v1.41/exec/${id}/json`)).body);
  assert.deepEqual(before, {
    ID: id, Running: false, ExitCode: null,
    ProcessConfig: { tty: false, entrypoint: 'sh', arguments: ['-c', 'echo out; echo err >&2; exit 3'], privileged: false, user: 'nobody' },
    OpenStdin: false, OpenStderr: true, OpenStdout: true, CanRemove: false, ContainerID: cid, DetachKeys: 'AXg=', Pid: 0,
  });
  const run = await startHijacked(d, id, { Detach: false, Tty: false });
  assert.match(run.head, /^HTTP\/1.1 101 UPGRADED\r\nContent-Type: application\/vnd.docker.raw-stream/);
  assert.deepEqual(demux(run.data), { stdout: 'out\n', stderr: 'err\n' });
  const after = JSON.parse((await call(d, 'GET', `/v1.41/exec/${id}/json`)).body);
  assert.equal(after.ExitCode, 3);
  assert.equal(after.Running, false);
  assert.ok(after.Pid > 0);
  // Started once only: a 409 when detached, the message in the stream when attached.
  assert.deepEqual(await call(d, 'POST', `/v1.41/exec/${id}/start`, { Detach: true }), { status: 409, body: `{"message":"Error: Exec command ${id} has already run"}\n` });
  assert.deepEqual(demux((await startHijacked(d, id, {})).data).stdout, `Error: Exec command ${id} has already run\r\n`);

  // Only the attached streams reach the client.
  const errOnly = await createExec(d, 'box', { Cmd: ['sh', '-c', 'echo out; echo err >&2'], AttachStderr: true });
  assert.deepEqual(demux((await startHijacked(d, errOnly, {})).data), { stdout: '', stderr: 'err\n' });

  // A detached start is an empty 200; the exec runs, then is found finished.
  const bg = await createExec(d, 'box', { Cmd: ['sh', '-c', 'sleep 0.5; exit 4'] });
  assert.deepEqual(await call(d, 'POST', `/v1.41/exec/${bg}/start`, { Detach: true }), { status: 200, body: '' });
  assert.equal(JSON.parse((await call(d, 'GET', `/v1.41/exec/${bg}/json`)).body).Running, true);
  assert.equal((await call(d, 'POST', `/v1.41/exec/${bg}/start`, { Detach: true })).status, 409);
  await waitFor('the detached exec to end', async () => JSON.parse((await call(d, 'GET', `/v1.41/exec/${bg}/json`)).body).ExitCode === 4);

  // resize: the tty's size as the process sees it; dockerd's 404 once it is gone.
  const tty = await createExec(d, 'box', { Cmd: ['sh', '-c', 'sleep 1; stty size'], AttachStdout: true, Tty: true });
  const sized = await startHijacked(d, tty, { Tty: true }, async () => {
    const r = await call(d, 'POST', `/v1.41/exec/${tty}/resize?h=33&w=101`);
    assert.equal(r.status, 200, r.body);
  });
  assert.equal(sized.data.toString(), '33 101\r\n');
  assert.deepEqual(await call(d, 'POST', `/v1.41/exec/${tty}/resize?h=1&w=1`), { status: 404, body: `{"message":"process does not exist ${tty}: not found"}\n` });

  // Events: exec_create and exec_start with the command, exec_die with the exit code.
  const until = Math.floor(Date.now() / 1000) + 1;
  await new Promise((r) => setTimeout(r, 1100));
  const events = await ok(d, ['events', '--since', String(since), '--until', String(until), '--filter', `container=${cid}`, '--format', '{{.Action}}|{{index .Actor.Attributes "execID"}}|{{index .Actor.Attributes "exitCode"}}']);
  const mine = events.split('\n').filter((l) => l.includes(`|${id}|`));
  assert.deepEqual(mine, [`exec_create: sh -c echo out; echo err >&2; exit 3|${id}|`, `exec_start: sh -c echo out; echo err >&2; exit 3|${id}|`, `exec_die|${id}|3`]);

  // A paused container: create names it as given, start by its ID (dockerd's two messages).
  const early = await createExec(d, 'box', { Cmd: ['true'] });
  await ok(d, ['pause', 'box']);
  assert.deepEqual(await call(d, 'POST', '/v1.41/containers/box/exec', { Cmd: ['true'] }), { status: 409, body: '{"message":"Container box is paused, unpause the container before exec"}\n' });
  assert.deepEqual(await call(d, 'POST', `/v1.41/exec/${early}/start`, { Detach: true }), { status: 409, body: `{"message":"Container ${cid} is paused, unpause the container before exec"}\n` });
  await ok(d, ['unpause', 'box']);

  // An exec belongs to its container's run: gone once the container stops, and its
  // attached client sees the end.
  const longId = await createExec(d, 'box', { Cmd: ['sleep', '100'], AttachStdout: true });
  const long = startHijacked(d, longId, {});
  await waitFor('the exec to run', async () => JSON.parse((await call(d, 'GET', `/v1.41/exec/${longId}/json`)).body).Pid > 0);
  await ok(d, ['kill', 'box']);
  assert.equal((await long).data.length, 0);
  for (const e of [id, longId]) {
    assert.deepEqual(await call(d, 'GET', `/v1.41/exec/${e}/json`), { status: 404, body: `{"message":"No such exec instance: ${e}"}\n` });
  }
});

test('dockerode: exec create, start over a hijacked stream, inspect', { timeout: 120_000 }, async (t) => {
  const d = await setup(t);
  await ok(d, ['run', '-d', '--name', 'box', '--stop-timeout', '1', 'busybox', 'sleep', '1000']);
  const docker = d.client();
  const exec = await docker.getContainer('box').exec({ Cmd: ['sh', '-c', 'read x; echo got-$x; echo warn >&2; exit 2'], AttachStdin: true, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: true });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => { out += c; });
  stderr.on('data', (c) => { err += c; });
  docker.modem.demuxStream(stream, stdout, stderr);
  stream.write('berth\n');
  await new Promise((resolve) => stream.on('end', resolve));
  assert.equal(out, 'got-berth\n');
  assert.equal(err, 'warn\n');
  const info = await exec.inspect();
  assert.equal(info.ExitCode, 2);
  assert.equal(info.Running, false);
});

test('an exec runs under the container seccomp filter, compiled once by the shim', { timeout: 120_000 }, async (t) => {
  const d = await setup(t);
  await ok(d, ['run', '-d', '--name', 'filtered', 'busybox', 'sleep', '300']);
  await ok(d, ['run', '-d', '--name', 'open', '--security-opt', 'seccomp=unconfined', 'busybox', 'sleep', '300']);
  for (let i = 0; i < 3; i++) {
    assert.equal(await ok(d, ['exec', 'filtered', 'grep', '^Seccomp:', '/proc/self/status']), 'Seccomp:\t2\n');
    assert.notEqual((await d.docker(['exec', 'filtered', 'unshare', '-U', 'true'])).code, 0, 'unshare is refused by the filter');
  }
  assert.equal(await ok(d, ['exec', 'open', 'grep', '^Seccomp:', '/proc/self/status']), 'Seccomp:\t0\n');
  await ok(d, ['exec', 'open', 'unshare', '-U', 'true']);
});
