import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import tar from 'tar-stream';
import { DOCKER_CLI_20, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { busyboxImage } from '../helpers/fixtures.js';
import { context } from './helpers.js';

/**
 * `docker build` with the legacy builder (DOCKER_BUILDKIT=0) through the real CLI
 * 20.10 and dockerode: dockerd 20.10's output lines, image configs and history,
 * RUN failures with the command's exit code, the cache (also across a restart),
 * multi-stage with --target and COPY --from, and a context that tries to escape.
 */

process.env['DOCKER_BUILDKIT'] = '0';

async function build(d: TestDaemon, args: string[], dir: string): Promise<{ code: number; out: string }> {
  const r = await d.docker(['build', ...args, dir], { cli: DOCKER_CLI_20, timeoutMs: 120_000 });
  return { code: r.code, out: r.stdout + r.stderr };
}

async function daemonWithBusybox(t: TestContext): Promise<TestDaemon> {
  const d = await startDaemon(t);
  const r = await d.docker(['load', '-i', (await busyboxImage()).path]);
  assert.equal(r.code, 0, r.stderr);
  return d;
}

const ID = '[0-9a-f]{12}';

test('a build prints dockerd 20.10\'s lines and makes the image it describes', { timeout: 300_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const dir = context(t, {
    'a.txt': 'hello\n',
    Dockerfile: 'FROM busybox\nARG X=1\nENV A=b C="d e"\nWORKDIR /w\nCOPY a.txt ./\nRUN echo out; echo err >&2; cat a.txt\nCMD ["cat", "/w/a.txt"]\n',
  });
  const r = await build(d, ['--build-arg', 'Y=2', '-t', 'built:1', '-t', 'built:2'], dir);
  assert.equal(r.code, 0, r.out);
  const expected = new RegExp([
    'Step 1/7 : FROM busybox', ` ---> ${ID}`,
    'Step 2/7 : ARG X=1', ` ---> Running in (${ID})`, 'Removing intermediate container \\1', ` ---> ${ID}`,
    'Step 3/7 : ENV A=b C="d e"', ` ---> Running in ${ID}`, `Removing intermediate container ${ID}`, ` ---> ${ID}`,
    'Step 4/7 : WORKDIR /w', ` ---> Running in ${ID}`, `Removing intermediate container ${ID}`, ` ---> ${ID}`,
    'Step 5/7 : COPY a.txt ./', ` ---> ${ID}`,
    'Step 6/7 : RUN echo out; echo err >&2; cat a.txt', ` ---> Running in (${ID})`, 'out', '(?:hello\\n)?.*err\\n?.*(?:hello\\n)?Removing intermediate container \\2',
    ` ---> ${ID}`,
  ].join('\\n'), 's');
  assert.match(r.out, expected);
  assert.match(r.out, /\[Warning\] One or more build-args \[Y\] were not consumed\nSuccessfully built ([0-9a-f]{12})\nSuccessfully tagged built:1\nSuccessfully tagged built:2\n/);

  const run = await d.docker(['run', '--rm', 'built:1']);
  assert.equal(run.stdout, 'hello\n');
  const cfg = JSON.parse((await d.docker(['image', 'inspect', 'built:1', '--format', '{{json .Config}}'])).stdout);
  assert.deepEqual(cfg.Env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'A=b', 'C=d e']);
  assert.equal(cfg.WorkingDir, '/w');
  assert.deepEqual(cfg.Cmd, ['cat', '/w/a.txt']);
  const history = (await d.docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'built:1'])).stdout.split('\n');
  assert.equal(history[0], '/bin/sh -c #(nop)  CMD ["cat" "/w/a.txt"]');
  assert.equal(history[1], '|1 X=1 /bin/sh -c echo out; echo err >&2; cat a.txt');
  assert.match(history[2]!, /^\/bin\/sh -c #\(nop\) COPY file:[0-9a-f]{64} in \.\/ $/);
  assert.equal(history[3], '/bin/sh -c #(nop) WORKDIR /w');
  assert.equal(history[4], '/bin/sh -c #(nop)  ENV A=b C=d e');
  // Intermediate images are kept, as parents; the intermediate containers are gone.
  const all = (await d.docker(['images', '-aq'])).stdout.trim().split('\n');
  assert.ok(all.length >= 7, all.join(' '));
  assert.equal((await d.docker(['ps', '-aq'])).stdout, '');

  // Built again: every step from the cache, the same image; still after a restart.
  const again = await build(d, ['-t', 'built:1'], dir);
  assert.equal(again.code, 0, again.out);
  assert.equal(again.out.match(/ ---> Using cache/g)?.length, 6, again.out);
  assert.equal(again.out.match(/Successfully built (\w+)/)![1], r.out.match(/Successfully built (\w+)/)![1]);
  await d.restart();
  const after = await build(d, ['-q'], dir);
  assert.equal(after.code, 0, after.out);
  assert.match(after.out, /^sha256:[0-9a-f]{64}\n$/);
  assert.equal(after.out.slice(7, 19), r.out.match(/Successfully built (\w+)/)![1]);

  // A changed file misses from its COPY on.
  writeFileSync(join(dir, 'a.txt'), 'changed\n');
  const changed = await build(d, ['--no-cache=false'], dir);
  assert.equal(changed.out.match(/ ---> Using cache/g)?.length, 3, changed.out);
});

test('failures: RUN exit code, missing COPY source, unknown instruction', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const dir = context(t, { Dockerfile: 'FROM busybox\nRUN exit 3\n', 'Dockerfile.copy': 'FROM busybox\nCOPY nope /x\n', 'Dockerfile.bad': 'FROM busybox\nFOO bar\n' });
  const run = await build(d, ['-t', 'never'], dir);
  assert.equal(run.code, 3);
  assert.match(run.out, /The command '\/bin\/sh -c exit 3' returned a non-zero code: 3/);
  assert.notEqual((await d.docker(['image', 'inspect', 'never'])).code, 0, 'nothing half-built is tagged');
  const copy = await build(d, ['-f', join(dir, 'Dockerfile.copy')], dir);
  assert.equal(copy.code, 1);
  assert.match(copy.out, /COPY failed: file not found in build context or excluded by \.dockerignore: stat nope: file does not exist/);
  const bad = await build(d, ['-f', join(dir, 'Dockerfile.bad')], dir);
  assert.equal(bad.code, 1);
  assert.match(bad.out, /Error response from daemon: dockerfile parse error line 2: unknown instruction: FOO/);
});

test('multi-stage with --target and COPY --from, -f -, .dockerignore, --iidfile', { timeout: 180_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const dir = context(t, {
    'keep.txt': 'k', 'skip.log': 's', '.dockerignore': '*.log\n',
    Dockerfile: 'FROM busybox AS one\nRUN echo one > /one\nFROM busybox AS two\nCOPY --from=one /one /from-one\nCOPY . /ctx/\nFROM two AS three\nRUN false\n',
  });
  const iid = join(dir, '..', `${dir.split('/').pop()}.iid`);
  t.after(() => rmSync(iid, { force: true }));
  const r = await build(d, ['--target', 'two', '--iidfile', iid, '-t', 'ms'], dir);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /Step 5\/5 : COPY \. \/ctx\//);
  const ls = await d.docker(['run', '--rm', 'ms', 'sh', '-c', 'cat /from-one; ls -A /ctx']);
  assert.equal(ls.stdout, 'one\n.dockerignore\nDockerfile\nkeep.txt\n');
  assert.equal(readFileSync(iid, 'utf8'), JSON.parse((await d.docker(['image', 'inspect', 'ms', '--format', '{{json .Id}}'])).stdout));

  const stdin = await d.docker(['build', '-t', 'fromstdin', '-'], { cli: DOCKER_CLI_20, input: 'FROM busybox\nLABEL a=b\n' });
  assert.equal(stdin.code, 0, stdin.stderr);
  assert.match((await d.docker(['image', 'inspect', 'fromstdin', '--format', '{{json .Config.Labels}}'])).stdout, /"a":"b"/);
});

test('dockerode: a context whose symlinks and names point outside cannot read out of it', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const pack = tar.pack();
  pack.entry({ name: 'Dockerfile' }, 'FROM busybox\nCOPY link /stolen\n');
  pack.entry({ name: 'link', type: 'symlink', linkname: '/etc/hostname' });
  pack.finalize();
  const stream = await (d.client().buildImage(pack as unknown as NodeJS.ReadableStream, { t: 'escape' }) as Promise<NodeJS.ReadableStream>);
  const messages: { stream?: string; error?: string }[] = await new Promise((resolve, reject) => {
    d.client().modem.followProgress(stream, (err: Error | null, res: unknown[]) => (err ? reject(err) : resolve(res as never)));
  });
  const text = messages.map((m) => m.stream ?? m.error ?? '').join('');
  assert.match(text, /COPY failed: file not found in build context or excluded by \.dockerignore: stat link: file does not exist/);
  // A name climbing out of the context is refused before anything is built.
  const evil = tar.pack();
  evil.entry({ name: '../evil' }, 'x');
  evil.entry({ name: 'Dockerfile' }, 'FROM busybox\n');
  evil.finalize();
  await assert.rejects(d.client().buildImage(evil as unknown as NodeJS.ReadableStream, { t: 'evil' }) as Promise<unknown>, /escapes the destination/);
});
