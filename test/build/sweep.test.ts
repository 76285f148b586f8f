import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { DOCKER_CLI_20, startDaemon, waitFor, type TestDaemon } from '../helpers/daemon.js';
import { busyboxImage } from '../helpers/fixtures.js';
import { context } from './helpers.js';

/**
 * Gaps found by building the same Dockerfiles on berth and on dockerd 20.10 (legacy
 * builder, CLI 20.10), each asserted as dockerd behaved: variable substitution,
 * COPY/ADD sources, destinations and --chown, instruction checks and their
 * messages, ENV's expansion, build args in RUN's history, ADD of URLs, ONBUILD
 * triggers, parser warnings, -q on failure, --rm=false and a client that goes
 * away mid-RUN.
 */

process.env['DOCKER_BUILDKIT'] = '0';

interface Built { code: number; out: string }

async function build(d: TestDaemon, args: string[], dir: string): Promise<Built> {
  const r = await d.docker(['build', ...args, dir], { cli: DOCKER_CLI_20, timeoutMs: 60_000 });
  return { code: r.code, out: r.stdout + r.stderr };
}

/** A POST with no body to the daemon's API; the whole answer. */
function rawPost(socket: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method: 'POST', path: `/v1.41${path}` }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c)).on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Build `dockerfile` (plus `files`) in a fresh context. */
async function buildFile(t: TestContext, d: TestDaemon, dockerfile: string, args: string[] = [], files: Record<string, string | Buffer> = {}): Promise<Built> {
  return build(d, args, context(t, { ...files, Dockerfile: dockerfile }));
}

async function ok(d: TestDaemon, args: string[]): Promise<string> {
  const r = await d.docker(args);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

async function tarOf(entries: { name: string; type: 'file' | 'directory'; mtime: Date; content?: string }[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name, type: e.type, mtime: e.mtime, mode: e.type === 'directory' ? 0o755 : 0o644 }, e.content ?? '');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

test('legacy build sweep against dockerd 20.10', { timeout: 180_000 }, async (t) => {
  const d = await startDaemon(t);
  assert.equal((await d.docker(['load', '-i', (await busyboxImage()).path])).code, 0);

  await t.test('substitution: $$ and $1 are names, ${x?} works, ${x-w} fails as 20.10', async (t) => {
    const r = await buildFile(t, d, 'FROM busybox\nENV X=abc\nENV A=$$HOME B=$1x C=${X?} D=${X:?m} E=$é\n', ['-t', 'subst']);
    assert.equal(r.code, 0, r.out);
    const env = JSON.parse(await ok(d, ['image', 'inspect', 'subst', '--format', '{{json .Config.Env}}'])) as string[];
    assert.deepEqual(env.slice(2), ['A=HOME', 'B=x', 'C=abc', 'D=abc', 'E=']);
    const bad = await buildFile(t, d, 'FROM busybox\nENV V=${X-def}\n');
    assert.equal(bad.code, 1);
    assert.match(bad.out, /Step 2\/2 : ENV V=\$\{X-def\}\nfailed to process "\$\{X-def\}": missing ':' in substitution\n/);
    const unset = await buildFile(t, d, 'FROM busybox\nENV V=${Y?oops}\n');
    assert.match(unset.out, /failed to process "\$\{Y\?oops\}": Y: oops\n/);
  });

  await t.test('instruction checks and messages', async (t) => {
    const cases: [string, RegExp][] = [
      ['HEALTHCHECK --interval=1 CMD true', /Error response from daemon: dockerfile parse error line 2: time: missing unit in duration "1"/],
      ['HEALTHCHECK --interval=0s CMD true', /dockerfile parse error line 2: Interval "interval" cannot be less than 1ms/],
      ['HEALTHCHECK --retries=0 CMD true', /dockerfile parse error line 2: --retries must be at least 1 \(not 0\)/],
      ['STOPSIGNAL FOO', /Step 2\/2 : STOPSIGNAL FOO\nInvalid signal: FOO\n/],
      ['EXPOSE 80/xyz', /Invalid proto: xyz\n/],
      ['EXPOSE 70000', /Invalid containerPort: 70000\n/],
      ['ENV A', /Error response from daemon: failed to parse Dockerfile: ENV must have two arguments/],
      ['LABEL =x', /dockerfile parse error line 2: LABEL names can not be blank/],
      ['ARG', /dockerfile parse error line 2: ARG requires at least one argument/],
      ['COPY', /COPY requires at least two arguments, but only one was provided\. Destination could not be determined\n/],
      ['ONBUILD', /dockerfile parse error line 2: ONBUILD requires at least one argument/],
      ['HEALTHCHECK', /dockerfile parse error line 2: HEALTHCHECK requires at least one argument/],
      // dockerd 20.10's parser knows --chmod; its legacy builder refuses it at the step.
      ['COPY --chmod=755 Dockerfile /x', /Step 2\/2 : COPY --chmod=755 Dockerfile \/x\nthe --chmod option requires BuildKit\. /],
      ['ADD --chmod=755 Dockerfile /x', /the --chmod option requires BuildKit\. /],
      // Not a domain in 20.10's references: refused before any pull.
      ['FROM UPPER/x', /Step 2\/2 : FROM UPPER\/x\ninvalid reference format: repository name must be lowercase\n/],
    ];
    const twice = await buildFile(t, d, 'FROM busybox AS a\nRUN true\nFROM busybox AS A\nRUN true\n');
    assert.equal(twice.code, 1);
    assert.match(twice.out, /Step 2\/4 : RUN true\n(.*\n)* ---> \w{12}\na stage name already used\n/);
    assert.doesNotMatch(twice.out, /Step 3\/4/);
    const comments = await buildFile(t, d, '# only a comment\n\n');
    assert.match(comments.out, /Error response from daemon: failed to parse Dockerfile: file with no instructions/);
    const noStage = await buildFile(t, d, 'RUN true\nFROM busybox\n');
    assert.match(noStage.out, /Error response from daemon: no build stage in current context/);
    for (const [line, want] of cases) {
      const r = await buildFile(t, d, `FROM busybox\n${line}\n`);
      assert.equal(r.code, 1, `${line}: ${r.out}`);
      assert.match(r.out, want, line);
    }
    // What dockerd accepts: NONE ignores flags, any non-zero signal number, ports after ':'.
    const r = await buildFile(t, d, 'FROM busybox\nHEALTHCHECK --interval=5s NONE\nSTOPSIGNAL 99\nEXPOSE 9000 80/udp 1.2.3.4:80:81 443\n', ['-t', 'checks']);
    assert.equal(r.code, 0, r.out);
    assert.equal(await ok(d, ['image', 'inspect', 'checks', '--format', '{{json .Config.Healthcheck}} {{.Config.StopSignal}} {{json .Config.ExposedPorts}}']),
      '{"Test":["NONE"]} 99 {"443/tcp":{},"80/udp":{},"81/tcp":{},"9000/tcp":{}}\n');
    // The history records EXPOSE's words sorted.
    const history = await ok(d, ['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'checks']);
    assert.equal(history.split('\n')[0], '/bin/sh -c #(nop)  EXPOSE 1.2.3.4:80:81 443 80/udp 9000');
  });

  await t.test('COPY sources: outside the context, wildcards, counts, --from, --chown', async (t) => {
    const files = { 'a.txt': 'a\n', 'b.txt': 'b\n' };
    const cases: [string, RegExp][] = [
      ['COPY ../a.txt /x', /COPY failed: forbidden path outside the build context: \.\.\/a\.txt \(\)\n/],
      ['COPY /../a.txt /x', /COPY failed: forbidden path outside the build context: \.\.\/a\.txt \(\)\n/],
      ['COPY nomatch* /d/', /COPY failed: no source files were specified\n/],
      ['COPY *.txt /dest', /When using COPY with more than one source file, the destination must be a directory and end with a \/\n/],
      ['COPY --from=0 a.txt /x', /invalid from flag value 0: refers to current build stage\n/],
      ['COPY --from=-1 a.txt /x', /invalid from flag value -1: index out of bounds\n/],
      // A pull that fails is wrapped too (port 1 on loopback: nothing listens there).
      ['COPY --from=127.0.0.1:1/nosuch a.txt /x', /invalid from flag value 127\.0\.0\.1:1\/nosuch: .*connection refused\n/],
      ['COPY --chown=a:b:c a.txt /x', /unable to convert uid\/gid chown string to host mapping: invalid chown string format: a:b:c\n/],
      ['COPY --chown=:nobody a.txt /x', /can't find uid for user : no such user: \n/],
      // A lone name is the group too: u1 has no group of its name.
      ['RUN echo "u1:x:1001:0::/:/bin/sh" >> /etc/passwd\nCOPY --chown=u1 a.txt /x', /can't find gid for group u1: no such group: u1\n/],
      ['COPY a.txt /etc/passwd/x', /failed to copy files: lstat \S+\/etc\/passwd\/x: not a directory\n/],
      ['COPY . /etc/passwd', /failed to copy files: failed to copy directory: mkdir \S+\/etc\/passwd: not a directory\n/],
    ];
    for (const [line, want] of cases) {
      const r = await buildFile(t, d, `FROM busybox\n${line}\n`, [], files);
      assert.equal(r.code, 1, `${line}: ${r.out}`);
      assert.match(r.out, want, line);
    }
    const dir = context(t, { ...files, Dockerfile: 'FROM busybox\nCOPY nomatch* a.txt /d\nCOPY --chown=1:2 a.txt /c\nCOPY link.txt /l/\n' });
    symlinkSync('a.txt', join(dir, 'link.txt'));
    const r = await build(d, ['-t', 'sources'], dir);
    assert.equal(r.code, 0, r.out);
    // A symlink copied into a directory keeps its own name, with the target's content.
    assert.equal(await ok(d, ['run', '--rm', '--network', 'none', 'sources', 'cat', '/d', '/l/link.txt']), 'a\na\n');
    // dockerd writes no blank between --chown and the hash.
    assert.match(await ok(d, ['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'sources']), /#\(nop\) COPY --chown=1:2file:[0-9a-f]{64} in \/c \n/);
  });

  await t.test('COPY destinations: existing directories kept, symlinks followed; ADD keeps directory mtimes', async (t) => {
    const mtime = new Date('2020-01-02T03:04:05Z');
    const dir = context(t, {
      'dir/c.txt': 'c\n',
      't.tar': await tarOf([{ name: 'sub/', type: 'directory', mtime }, { name: 'sub/one', type: 'file', mtime, content: 'one\n' }]),
      Dockerfile: 'FROM busybox\nRUN ln -s /tmp /lnk && ln -s /nowhere /dangle\nCOPY dir /tmp\nCOPY dir /lnk\nCOPY dir /dangle\n' +
        'COPY --chown=9:9 dir /newp/sub/\nADD t.tar /t/\n',
    });
    chmodSync(join(dir, 'dir'), 0o700);
    utimesSync(join(dir, 'dir'), mtime, mtime);
    const r = await build(d, ['-t', 'dests'], dir);
    assert.equal(r.code, 0, r.out);
    const out = await ok(d, ['run', '--rm', '--network', 'none', 'dests', 'stat', '-c', '%n %a %u:%g %F',
      '/tmp', '/tmp/c.txt', '/lnk', '/dangle', '/nowhere/c.txt', '/newp', '/newp/sub']);
    assert.equal(out, [
      '/tmp 1777 0:0 directory', '/tmp/c.txt 644 0:0 regular file', '/lnk 777 0:0 symbolic link', '/dangle 777 0:0 symbolic link',
      '/nowhere/c.txt 644 0:0 regular file', '/newp 755 0:0 directory', '/newp/sub 755 9:9 directory', '',
    ].join('\n'));
    assert.equal(await ok(d, ['run', '--rm', '--network', 'none', 'dests', 'stat', '-c', '%Y', '/t/sub']), `${mtime.getTime() / 1000}\n`);
  });

  await t.test('.dockerignore: an exception inside an ignored directory is copied, as the CLI sent it', async (t) => {
    const r = await buildFile(t, d, 'FROM busybox\nCOPY . /c/\nRUN cd /c && find . -type f | sort\n', [],
      { '.dockerignore': 'a\n!a/b/2.txt\nDockerfile\n', 'a/1.txt': '1', 'a/b/2.txt': '2', 'top.txt': 't' });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /\n\.\/\.dockerignore\n\.\/a\/b\/2\.txt\n\.\/top\.txt\n/);
  });

  await t.test('ONBUILD: an unknown trigger fails in the child; empty continuation lines warn', async (t) => {
    const parent = await buildFile(t, d, 'FROM busybox\nONBUILD ENV A=1\nONBUILD BOGUS x\n', ['-t', 'obparent']);
    assert.equal(parent.code, 0, parent.out);
    const child = await buildFile(t, d, 'FROM obparent\nRUN true\n');
    assert.equal(child.code, 1);
    assert.match(child.out, /Step 1\/2 : FROM obparent\n# Executing 2 build triggers\n ---> Running in [0-9a-f]{12}\nRemoving intermediate container [0-9a-f]{12}\nunknown instruction: BOGUS\n/);
    const warned = await buildFile(t, d, 'FROM busybox\nRUN echo a \\\n\n  b\n');
    assert.equal(warned.code, 0, warned.out);
    assert.match(warned.out, /\u001b\[91m\[WARNING\]: Empty continuation line found in:\n {4}RUN echo a {3}b\n\[WARNING\]: Empty continuation lines will become errors in a future release\.\n\u001b\[0mStep 1\/2 : FROM busybox\n/);
  });

  await t.test('ENV and ARG see the environment before them; an undeclared proxy arg stays out of the history but for |0', async (t) => {
    const r = await buildFile(t, d, 'FROM busybox\nENV A=1 B=$A\nRUN echo "b=$B ftp=$FTP_PROXY"\n', ['--build-arg', 'FTP_PROXY=f', '-t', 'envs']);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /\nb= ftp=f\n/);
    const history = (await ok(d, ['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'envs'])).split('\n');
    assert.deepEqual(history.slice(0, 2), ['|0 /bin/sh -c echo "b=$B ftp=$FTP_PROXY"', '/bin/sh -c #(nop)  ENV A=1 B=']);
    // ARGs too; those before FROM see the earlier ones and their --build-arg values.
    const args = await buildFile(t, d, 'ARG V=1\nARG W=${V}-x\nFROM busybox\nARG W\nARG A=1 B=$A\nRUN echo "w=$W b=$B"\n', ['--build-arg', 'V=cli']);
    assert.equal(args.code, 0, args.out);
    assert.match(args.out, /\nw=cli-x b=\n/);
  });

  await t.test('ADD of URLs: no file name, no Last-Modified, refused; COPY of a URL', async (t) => {
    const server = createServer((_req, res) => { res.end('index\n'); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => { server.close(); });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const noname = await buildFile(t, d, `FROM busybox\nADD ${base}/ /d/\n`);
    assert.equal(noname.code, 1);
    assert.match(noname.out, new RegExp(`ADD failed: cannot determine filename for source ${base}/\n`));
    const r = await buildFile(t, d, `FROM busybox\nADD ${base}/ /unnamed\n`, ['-t', 'urls']);
    assert.equal(r.code, 0, r.out);
    assert.equal(await ok(d, ['run', '--rm', '--network', 'none', 'urls', 'stat', '-c', '%Y %s', '/unnamed']), '0 6\n');
    const refused = await buildFile(t, d, 'FROM busybox\nADD http://127.0.0.1:1/f /f\n');
    assert.match(refused.out, /ADD failed: Get "http:\/\/127\.0\.0\.1:1\/f": dial tcp 127\.0\.0\.1:1: connect: connection refused\n/);
    const copy = await buildFile(t, d, `FROM busybox\nCOPY ${base}/f /f\n`);
    assert.match(copy.out, /COPY failed: source can't be a URL for COPY\n/);
  });

  await t.test('remote= contexts: a Dockerfile as text, a tar, a gzip tar by its bytes, a git URL; failures in dockerd\'s words', async (t) => {
    const ctxTar = await new Promise<Buffer>((resolve) => {
      const pack = tar.pack();
      pack.entry({ name: 'Dockerfile' }, 'FROM busybox\nCOPY f /f\nRUN cat /f\n');
      pack.entry({ name: 'Alt' }, 'FROM busybox\nRUN echo alt-file\n');
      pack.entry({ name: 'f' }, 'from-the-tar\n');
      pack.finalize();
      const parts: Buffer[] = [];
      pack.on('data', (c: unknown) => parts.push(c as Buffer)).on('end', () => resolve(Buffer.concat(parts)));
    });
    const files: Record<string, [string, Buffer]> = {
      '/Dockerfile': ['', Buffer.from('FROM busybox\nRUN echo remote-plain\n')], // no type: sniffed as text
      '/ctx.tar': ['application/x-tar', ctxTar],
      '/ctx': ['application/octet-stream', gzipSync(ctxTar)], // sniffed: gzip, so a context
      '/page': ['text/html', Buffer.from('<html></html>')],
    };
    const server = createServer((req, res) => {
      const f = files[req.url ?? ''];
      if (!f) { res.statusCode = 404; res.end('not here\n'); return; }
      if (f[0]) res.setHeader('Content-Type', f[0]);
      res.end(f[1]);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => { server.close(); });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const post = (remote: string, extra = '') => rawPost(d.socket, `/build?remote=${encodeURIComponent(remote)}${extra}`);
    const plain = await post(`${base}/Dockerfile`);
    assert.equal(plain.status, 200);
    assert.match(plain.body, new RegExp(`"status":"${base}/Dockerfile","progressDetail":\\{"current":35\\}.*"id":"Downloading context"`));
    assert.match(plain.body, /remote-plain\\n/);
    assert.match((await post(`${base}/ctx.tar`)).body, /from-the-tar\\n/);
    assert.match((await post(`${base}/ctx`, '&dockerfile=Alt')).body, /alt-file\\n/);
    const missing = await post(`${base}/nope`);
    assert.equal(missing.status, 404);
    assert.equal(JSON.parse(missing.body).message, `error downloading remote context ${base}/nope: failed to GET ${base}/nope with status 404 Not Found: not here`);
    const html = await post(`${base}/page`);
    assert.equal(JSON.parse(html.body).message, `error detecting content type for remote ${base}/page: unsupported Content-Type "text/html"`);
    assert.equal(JSON.parse((await post('http://127.0.0.1:1/x')).body).message,
      'error downloading remote context http://127.0.0.1:1/x: Get "http://127.0.0.1:1/x": dial tcp 127.0.0.1:1: connect: connection refused');
    assert.equal(JSON.parse((await post('ftp://127.0.0.1/x')).body).message, 'remoteURL (ftp://127.0.0.1/x) could not be recognized as URL');

    // A git URL is cloned: a bare repository served over git's dumb HTTP, `#ref:subdir`.
    const gitRoot = mkdtempSync(join(tmpdir(), 'berth-test-git-'));
    t.after(() => rmSync(gitRoot, { recursive: true, force: true }));
    const work = join(gitRoot, 'work');
    mkdirSync(join(work, 'sub'), { recursive: true });
    writeFileSync(join(work, 'sub', 'Dockerfile'), 'FROM busybox\nCOPY f /f\nRUN cat /f\n');
    writeFileSync(join(work, 'sub', 'f'), 'from-git\n');
    const gitRun = (cwd: string, args: string[]) => execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd, stdio: 'pipe' });
    gitRun(work, ['init', '-q', '-b', 'trunk']);
    gitRun(work, ['add', '-A']);
    gitRun(work, ['commit', '-qm', 'ctx']);
    gitRun(gitRoot, ['clone', '-q', '--bare', 'work', 'repo.git']);
    gitRun(join(gitRoot, 'repo.git'), ['update-server-info']);
    const gitServer = createServer((req, res) => {
      const file = join(gitRoot, normalize(decodeURIComponent((req.url ?? '/').split('?')[0]!)));
      if (!file.startsWith(gitRoot) || !existsSync(file) || !statSync(file).isFile()) { res.statusCode = 404; res.end(); return; }
      res.end(readFileSync(file));
    });
    await new Promise<void>((r) => gitServer.listen(0, '127.0.0.1', r));
    t.after(() => { gitServer.close(); });
    const repo = `http://127.0.0.1:${(gitServer.address() as AddressInfo).port}/repo.git`;
    const cloned = await post(`${repo}#trunk:sub`);
    assert.equal(cloned.status, 200);
    assert.match(cloned.body, /from-git\\n/);
    const noRef = await post(`${repo}#nobranch`);
    assert.match(JSON.parse(noRef.body).message, /^error fetching: fatal: couldn't find remote ref nobranch\n: exit status 128$/);
    assert.match(JSON.parse((await post(`${repo}#trunk:nosub`)).body).message, /^stat \S+\/nosub: no such file or directory$/);
  });

  await t.test('build options: RUN gets --ulimit, --shm-size and the CPU options; isolation and --security-opt refused', async (t) => {
    const r = await buildFile(t, d, 'FROM busybox\nRUN ulimit -n; df -k /dev/shm | tail -1\n', ['--ulimit', 'nofile=100:200', '--shm-size=8m']);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /\n100\nshm\s+8192\s/);
    // The CPU options reach RUN's container (and its cgroup files, seen from inside).
    const cpu = await buildFile(t, d, 'FROM busybox\nRUN grep Cpus_allowed_list /proc/self/status; cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us\n',
      ['--cpuset-cpus', '0', '--cpu-quota', '30000', '--cpu-period', '60000']);
    assert.equal(cpu.code, 0, cpu.out);
    assert.match(cpu.out, /Cpus_allowed_list:\t0\n30000\n60000\n/);
    const iso = await buildFile(t, d, 'FROM busybox\n', ['--isolation=hyperv']);
    assert.match(iso.out, /Error response from daemon: Unsupported isolation: "hyperv"/);
    const sec = await buildFile(t, d, 'FROM busybox\n', ['--security-opt', 'seccomp=unconfined']);
    assert.match(sec.out, /Error response from daemon: The daemon on this platform does not support setting security options on build/);
  });

  await t.test('-q: a failed build shows its steps and exits with the command\'s code', async (t) => {
    const r = await buildFile(t, d, 'FROM busybox\nRUN echo hi; exit 3\n', ['-q']);
    assert.equal(r.code, 3, r.out);
    assert.match(r.out, /Step 2\/2 : RUN echo hi; exit 3\n ---> Running in [0-9a-f]{12}\nhi\nThe command '\/bin\/sh -c echo hi; exit 3' returned a non-zero code: 3\n/);
  });

  await t.test('--rm=false leaves the metadata steps\' containers as dockerd does', async (t) => {
    const before = (await ok(d, ['ps', '-aq'])).split('\n').filter(Boolean);
    const r = await buildFile(t, d, 'FROM busybox\nENV X=1\nWORKDIR /w\n', ['--rm=false', '--no-cache']);
    assert.equal(r.code, 0, r.out);
    const left = (await ok(d, ['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Status}} {{.Command}}'])).split('\n').filter((l) => l && !before.includes(l.slice(0, 12)));
    assert.equal(left.length, 2, left.join('\n'));
    for (const l of left) assert.match(l, /^[0-9a-f]{64} Created "\/bin\/sh -c '#\(nop\) /);
    for (const l of left) await ok(d, ['rm', l.slice(0, 12)]);
  });

  await t.test('a client gone mid-RUN: the command is killed and its container removed', async (t) => {
    const dir = context(t, {});
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nRUN echo started; sleep 60\n');
    const cli = spawn(DOCKER_CLI_20, ['build', '--no-cache', dir], { env: { ...process.env, DOCKER_HOST: d.host }, stdio: ['ignore', 'pipe', 'pipe'] });
    t.after(() => { cli.kill('SIGKILL'); });
    let out = '';
    cli.stdout.on('data', (c) => { out += c; });
    await waitFor('the RUN step to start', () => out.includes('started\n'), 30_000);
    const id = /Running in ([0-9a-f]{12})/.exec(out)![1]!;
    cli.kill('SIGKILL');
    await waitFor('the step\'s container to go', async () => (await d.docker(['ps', '-aq'])).stdout.split('\n').every((l) => l !== id), 15_000);
  });
});
