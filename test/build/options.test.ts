import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { daemonWithBusybox, ok } from '../helpers/cli.js';
import { DOCKER_CLI_20, DOCKER_CLI_28, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { busyboxImage, layerTar, packTar } from '../helpers/fixtures.js';
import { referenceSkipReason, startReferenceDockerd } from '../archive/reference-dockerd.js';
import { context } from './helpers.js';

/**
 * `docker build` options and instructions the first build tests left out, through
 * the real CLIs with the legacy builder: the RUN container's host side (--network,
 * --add-host, --cpu-shares, --memory), COPY --chown, ADD of local archives and of a
 * URL on a loopback server, ONBUILD triggers, a Dockerfile from outside the context
 * and from stdin, the context size limit, and an image built here that a reference
 * dockerd 20.10 loads and runs.
 */

process.env['DOCKER_BUILDKIT'] = '0';

async function build(d: Pick<TestDaemon, 'docker'>, args: string[], opts: { cli?: string; input?: string } = {}): Promise<{ code: number; out: string }> {
  const r = await d.docker(['build', ...args], { cli: opts.cli ?? DOCKER_CLI_20, timeoutMs: 120_000, ...(opts.input !== undefined ? { input: opts.input } : {}) });
  return { code: r.code, out: r.stdout + r.stderr };
}

/** The RUN output of a build: the lines between `Running in` and `Removing intermediate container`. */
function runOutput(out: string): string {
  const m = /---> Running in [0-9a-f]{12}\n([\s\S]*?)Removing intermediate container/.exec(out);
  assert.ok(m, out);
  return m[1]!;
}

test('RUN gets the build\'s host options: --network none, --add-host, --cpu-shares, --memory', { timeout: 180_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const dir = context(t, {
    Dockerfile: 'FROM busybox\nRUN ls /sys/class/net; grep -w foo /etc/hosts || echo no foo; ' +
      'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.shares 2>/dev/null || cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.weight\n',
  });
  const opts = await build(d, ['--no-cache', '--network', 'none', '--add-host', 'foo:10.1.2.3', '--add-host', 'bar:10.1.2.4', '--cpu-shares', '512', '--memory', '64m', dir]);
  assert.equal(opts.code, 0, opts.out);
  const lines = runOutput(opts.out).split('\n');
  assert.deepEqual(lines.slice(0, 2), ['lo', '10.1.2.3\tfoo']);
  assert.equal(lines[2], String(64 << 20));
  // cgroup v1 shows the shares as given; v2 maps 512 shares to weight 20.
  assert.ok(lines[3] === '512' || lines[3] === '20', lines.join('|'));

  // Without them: the default network (eth0 on the bridge), no extra host, no limits.
  const plain = await build(d, ['--no-cache', dir]);
  assert.equal(plain.code, 0, plain.out);
  const p = runOutput(plain.out).split('\n');
  assert.deepEqual(p.slice(0, 3), ['eth0', 'lo', 'no foo']);
  assert.notEqual(p[3], '67108864');
  assert.ok(p[4] === '1024' || p[4] === '100', p.join('|'));
  assert.equal((await d.docker(['ps', '-aq'])).stdout, '', 'the RUN containers are gone');
});

test('COPY --chown: names from the image\'s passwd and group, numeric ids, directories, created parents', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const dir = context(t, {
    'a.txt': 'a\n', 'dir/sub/x': 'x\n',
    Dockerfile: 'FROM busybox\nCOPY --chown=nobody a.txt /a\nCOPY --chown=1000:1001 dir /d/\n' +
      'COPY --chown=nobody:root a.txt /deep/er/c\nCOPY --chown=1000 a.txt /e\nCOPY a.txt /f\n',
    'Dockerfile.nouser': 'FROM busybox\nCOPY --chown=nosuch a.txt /a\n',
    'Dockerfile.nogroup': 'FROM busybox\nCOPY --chown=nobody:nosuch a.txt /a\n',
  });
  const r = await build(d, ['-t', 'chown', dir]);
  assert.equal(r.code, 0, r.out);
  const stat = await ok(d, ['run', '--rm', '--network', 'none', 'chown', 'stat', '-c', '%u:%g %a %n', '/a', '/d', '/d/sub', '/d/sub/x', '/deep', '/deep/er', '/deep/er/c', '/e', '/f']);
  // What dockerd 20.10 makes of the same Dockerfile.
  assert.equal(stat, [
    '65534:65534 644 /a', '1000:1001 755 /d', '1000:1001 755 /d/sub', '1000:1001 644 /d/sub/x',
    '65534:0 755 /deep', '65534:0 755 /deep/er', '65534:0 644 /deep/er/c', '1000:1000 644 /e', '0:0 644 /f', '',
  ].join('\n'));
  const history = await ok(d, ['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'chown']);
  // dockerd 20.10 writes no blank between the flag and the hash.
  assert.match(history, /#\(nop\) COPY --chown=1000:1001dir:[0-9a-f]{64} in \/d\/ /);

  const nouser = await build(d, ['-f', join(dir, 'Dockerfile.nouser'), dir]);
  assert.equal(nouser.code, 1);
  assert.match(nouser.out, /unable to convert uid\/gid chown string to host mapping: can't find uid for user nosuch: no such user: nosuch/);
  const nogroup = await build(d, ['-f', join(dir, 'Dockerfile.nogroup'), dir]);
  assert.equal(nogroup.code, 1);
  assert.match(nogroup.out, /unable to convert uid\/gid chown string to host mapping: can't find gid for group nosuch: no such group: nosuch/);
});

test('ADD unpacks local tar archives (plain and gzip), copies other files as they are; COPY never unpacks', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const tarball = await layerTar([
    { type: 'directory', name: 'sub', mode: 0o750 },
    { type: 'file', name: 'sub/one.txt', mode: 0o640, content: 'one\n' },
    { type: 'symlink', name: 'link', target: 'sub/one.txt' },
  ]);
  const dir = context(t, {
    'arch.tar': tarball, 'arch.tgz': gzipSync(tarball), 'plain.txt': 'not an archive\n',
    Dockerfile: 'FROM busybox\nADD arch.tar /x/\nADD arch.tgz /y\nADD plain.txt /p/\nCOPY arch.tar /c/\n',
  });
  const r = await build(d, ['-t', 'added', dir]);
  assert.equal(r.code, 0, r.out);
  const ls = await ok(d, ['run', '--rm', '--network', 'none', 'added', 'sh', '-c',
    'cd /; find x y p c | sort; stat -c "%a %n" x/sub x/sub/one.txt; readlink y/link; cat y/sub/one.txt p/plain.txt']);
  assert.equal(ls, [
    'c', 'c/arch.tar', 'p', 'p/plain.txt', 'x', 'x/link', 'x/sub', 'x/sub/one.txt', 'y', 'y/link', 'y/sub', 'y/sub/one.txt',
    '750 x/sub', '640 x/sub/one.txt', 'sub/one.txt', 'one', 'not an archive', '',
  ].join('\n'));
});

/** A loopback HTTP server for ADD: `/served.txt`, a redirect to it, and a 404 page. */
async function fileServer(t: TestContext): Promise<{ base: string; hits: () => number }> {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits++;
    if (req.url === '/served.txt') {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Last-Modified': 'Mon, 03 Feb 2020 04:05:06 GMT', 'Content-Length': '7' });
      res.end('served\n');
    } else if (req.url === '/moved') {
      res.writeHead(302, { Location: '/served.txt' });
      res.end();
    } else {
      res.writeHead(404, 'File not found', { 'Content-Type': 'text/html' });
      res.end('<html>\n  <p>Nothing matches the given URI.</p>\n</html>\n');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits };
}

test('ADD of a URL: fetched by the daemon with progress, mode 0600 and Last-Modified as mtime; cached by content; a 404 fails', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const srv = await fileServer(t);
  const dir = context(t, {
    Dockerfile: `FROM busybox\nADD ${srv.base}/served.txt /z/\nADD ${srv.base}/moved /m\n`,
    'Dockerfile.404': `FROM busybox\nADD ${srv.base}/nope.txt /z/\n`,
  });
  const r = await build(d, ['-t', 'fetched', dir]);
  assert.equal(r.code, 0, r.out);
  // The CLI draws the Downloading progress as a blank line when not on a terminal.
  assert.match(r.out, new RegExp(`Step 2/3 : ADD ${srv.base}/served.txt /z/\n\n ---> [0-9a-f]{12}\n`));
  const ls = await ok(d, ['run', '--rm', '--network', 'none', 'fetched', 'sh', '-c', 'stat -c "%a %u:%g %Y %s %n" /z/served.txt /m; cat /m']);
  assert.equal(ls, `600 0:0 ${Date.UTC(2020, 1, 3, 4, 5, 6) / 1000} 7 /z/served.txt\n600 0:0 ${Date.UTC(2020, 1, 3, 4, 5, 6) / 1000} 7 /m\nserved\n`);

  // Built again: fetched again (the content decides), and the same content hits.
  const before = srv.hits();
  const again = await build(d, [dir]);
  assert.equal(again.code, 0, again.out);
  assert.ok(srv.hits() > before, 'the URL is fetched again');
  assert.equal(again.out.match(/ ---> Using cache/g)?.length, 2, again.out);

  const missing = await build(d, ['-f', join(dir, 'Dockerfile.404'), dir]);
  assert.equal(missing.code, 1);
  assert.match(missing.out, new RegExp(`ADD failed: failed to GET ${srv.base}/nope.txt with status 404 File not found: <html>\n  <p>Nothing matches the given URI.</p>\n</html>`));
});

test('ONBUILD triggers run in the child build, in order, and are not inherited further', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const dir = context(t, {
    't.txt': 'trig\n',
    Dockerfile: 'FROM busybox\nONBUILD RUN echo triggered > /trig\nONBUILD COPY t.txt /t.txt\nONBUILD ENV FROMTRIGGER=yes\n',
  });
  const parent = await build(d, ['-t', 'onb-parent', dir]);
  assert.equal(parent.code, 0, parent.out);
  assert.equal((await ok(d, ['image', 'inspect', '-f', '{{json .Config.OnBuild}}', 'onb-parent'])).trim(),
    '["RUN echo triggered > /trig","COPY t.txt /t.txt","ENV FROMTRIGGER=yes"]');
  const child = await build(d, ['-t', 'onb-child', '-f', '-', dir], { input: 'FROM onb-parent\nRUN cat /trig /t.txt; echo $FROMTRIGGER\n' });
  assert.equal(child.code, 0, child.out);
  assert.match(child.out, new RegExp([
    'Step 1/2 : FROM onb-parent', '# Executing 3 build triggers',
    ' ---> Running in [0-9a-f]{12}', 'Removing intermediate container [0-9a-f]{12}',
    ' ---> Running in [0-9a-f]{12}', 'Removing intermediate container [0-9a-f]{12}',
    ' ---> [0-9a-f]{12}', 'Step 2/2 : RUN cat /trig /t.txt; echo \\$FROMTRIGGER', ' ---> Running in [0-9a-f]{12}',
    'triggered', 'trig', 'yes', '',
  ].join('\n')));
  assert.equal((await ok(d, ['image', 'inspect', '-f', '{{json .Config.OnBuild}}', 'onb-child'])).trim(), 'null');
  const grandchild = await build(d, ['-f', '-', dir], { input: 'FROM onb-child\nRUN true\n' });
  assert.equal(grandchild.code, 0, grandchild.out);
  assert.doesNotMatch(grandchild.out, /build trigger/);
});

test('-f with a Dockerfile outside the context and -f - with a context directory, with CLI 20.10 and 28', { timeout: 180_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const dir = context(t, { 'in.txt': 'in\n', '.dockerignore': 'ignored\n', ignored: 'no\n' });
  const outside = context(t, { 'Dockerfile.out': 'FROM busybox\nCOPY . /ctx/\nRUN ls -A /ctx; cat /ctx/in.txt\n' });
  for (const cli of [DOCKER_CLI_20, DOCKER_CLI_28]) {
    const out = await build(d, ['--no-cache', '-f', join(outside, 'Dockerfile.out'), dir], { cli });
    assert.equal(out.code, 0, out.out);
    // The CLI adds the Dockerfile under a random name and lists it in .dockerignore, as with dockerd.
    assert.equal(runOutput(out.out), '.dockerignore\nin.txt\nin\n', cli);
    const stdin = await build(d, ['--no-cache', '-f', '-', dir], { cli, input: 'FROM busybox\nCOPY in.txt /\nRUN cat /in.txt\n' });
    assert.equal(stdin.code, 0, stdin.out);
    assert.equal(runOutput(stdin.out), 'in\n', cli);
  }
});

test('a context over --max-build-context (or BERTH_MAX_BUILD_CONTEXT) is refused with a clear error', { timeout: 120_000 }, async (t) => {
  const d = await startDaemon(t, { args: ['--max-build-context', '100000'] });
  await ok(d, ['load', '-i', (await busyboxImage()).path]);
  const small = context(t, { Dockerfile: 'FROM busybox\n', blob: Buffer.alloc(20_000, 1) });
  const big = context(t, { Dockerfile: 'FROM busybox\n', blob: Buffer.alloc(300_000, 1) });
  assert.equal((await build(d, [small])).code, 0);
  for (const cli of [DOCKER_CLI_20, DOCKER_CLI_28]) {
    const r = await build(d, [big], { cli });
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /Error response from daemon: the build context is larger than the daemon's limit of 100000 bytes \(--max-build-context\)/);
  }
  // Nothing of it is left in the daemon's scratch space.
  assert.deepEqual(readdirSync(join(d.dir, 'data', 'tmp')).filter((n) => n.includes('build')), []);

  // The environment variable is the fallback when the option is not set.
  const prev = process.env['BERTH_MAX_BUILD_CONTEXT'];
  process.env['BERTH_MAX_BUILD_CONTEXT'] = '50000';
  let e: TestDaemon;
  try {
    e = await startDaemon(t);
  } finally {
    if (prev === undefined) delete process.env['BERTH_MAX_BUILD_CONTEXT'];
    else process.env['BERTH_MAX_BUILD_CONTEXT'] = prev;
  }
  await ok(e, ['load', '-i', (await busyboxImage()).path]);
  const r = await build(e, [big]);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /the build context is larger than the daemon's limit of 50000 bytes/);
});

test('POST /build/cancel stops the build started with that buildid; an unknown id is a 200, none a 400', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const tarball = await packTar((p) => { p.entry({ name: 'Dockerfile' }, 'FROM busybox\nRUN echo started; sleep 60\n'); });
  const post = (path: string, body?: Buffer): Promise<{ status: number; res: IncomingMessage }> => new Promise((resolve, reject) => {
    const req = request({ socketPath: d.socket, method: 'POST', path, headers: body ? { 'Content-Type': 'application/x-tar' } : {} }, (res) => resolve({ status: res.statusCode ?? 0, res }));
    req.on('error', reject);
    req.end(body);
  });
  const building = await post('/v1.41/build?buildid=b-cancel-1&t=never:1', tarball);
  let out = '';
  const ended = new Promise<void>((resolve) => building.res.on('end', resolve));
  await new Promise<void>((resolve) => building.res.on('data', (c: Buffer) => { out += c; if (out.includes('{"stream":"started\\n"}')) resolve(); }));

  const other = await post('/v1.41/build/cancel?id=not-running');
  other.res.resume();
  assert.equal(other.status, 200);
  const none = await post('/v1.41/build/cancel');
  none.res.resume();
  assert.equal(none.status, 400);

  const t0 = Date.now();
  const cancelled = await post('/v1.41/build/cancel?id=b-cancel-1');
  cancelled.res.resume();
  assert.equal(cancelled.status, 200);
  await ended;
  assert.ok(Date.now() - t0 < 20_000, `the build ended well before its sleep (${Date.now() - t0} ms): ${out}`);
  assert.match(out, /"error":"context canceled"/);
  assert.equal((await d.docker(['ps', '-aq'])).stdout, '', 'the RUN container is gone');
  assert.equal((await d.docker(['images', '-q', 'never'])).stdout, '');

  // Cancelled as the step begins, while its container is being made: it never runs.
  const early = await post('/v1.41/build?buildid=b-cancel-2&t=never:2', tarball);
  let earlyOut = '';
  const earlyEnded = new Promise<void>((resolve) => early.res.on('end', resolve));
  await new Promise<void>((resolve) => early.res.on('data', (c: Buffer) => { earlyOut += c; if (earlyOut.includes('Step 2/2')) resolve(); }));
  (await post('/v1.41/build/cancel?id=b-cancel-2')).res.resume();
  const t1 = Date.now();
  await earlyEnded;
  assert.ok(Date.now() - t1 < 20_000, `the early-cancelled build ended at once (${Date.now() - t1} ms): ${earlyOut}`);
  assert.match(earlyOut, /"error":"context canceled"/);
  assert.equal((await d.docker(['ps', '-aq'])).stdout, '');
});

const refSkip = referenceSkipReason();

test('an image built by berth, saved, loads into dockerd 20.10 with the same ID and runs there', { timeout: 300_000, skip: refSkip ?? false }, async (t) => {
  const d = await daemonWithBusybox(t);
  const dir = context(t, {
    'a.txt': 'hello from berth\n',
    Dockerfile: 'FROM busybox\nENV GREETING=hi\nWORKDIR /app\nCOPY --chown=nobody a.txt .\nRUN echo built > built.txt\n' +
      'ONBUILD RUN true\nCMD ["sh", "-c", "echo $GREETING; pwd; cat a.txt built.txt; stat -c %u a.txt"]\n',
  });
  const r = await build(d, ['-t', 'interop/built:1', dir]);
  assert.equal(r.code, 0, r.out);
  const id = (await ok(d, ['image', 'inspect', '-f', '{{.Id}}', 'interop/built:1'])).trim();
  const here = await ok(d, ['run', '--rm', '--network', 'none', 'interop/built:1']);
  const archive = join(context(t, {}), 'built.tar');
  await ok(d, ['save', '-o', archive, 'interop/built:1']);

  const ref = await startReferenceDockerd(t);
  const load = await ref.docker(['load', '-i', archive]);
  assert.equal(load.code, 0, load.stderr);
  assert.match(load.stdout.toString(), /Loaded image: interop\/built:1/);
  assert.equal((await ref.docker(['image', 'inspect', '-f', '{{.Id}}', 'interop/built:1'])).stdout.toString().trim(), id);
  const there = await ref.docker(['run', '--rm', '--network', 'none', 'interop/built:1']);
  assert.equal(there.code, 0, there.stderr);
  assert.equal(there.stdout.toString(), 'hi\n/app\nhello from berth\nbuilt\n65534\n');
  assert.equal(there.stdout.toString(), here);
  const history = await ref.docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'interop/built:1']);
  assert.match(history.stdout.toString(), /^\/bin\/sh -c #\(nop\)  CMD \["sh" "-c" "echo \$GREETING; pwd; cat a.txt built.txt; stat -c %u a.txt"\]\n/);
});
