import { test } from 'node:test';
import assert from 'node:assert/strict';
import { daemonWithBusybox } from '../helpers/cli.js';
import type { RunResult, TestDaemon } from '../helpers/daemon.js';

/**
 * The docker CLI 28 (the harness's default) against berth, on what a sweep of the same
 * commands beside dockerd 20.10 found different: create-time checks, start and exec
 * failures, namespace joins, docker cp leaving the RW layer alone, and import's input.
 * Messages are dockerd's, word for word.
 */

const cli = (d: TestDaemon, args: string[], input?: string | Buffer): Promise<RunResult> =>
  d.docker(args, { timeoutMs: 30_000, ...(input !== undefined ? { input } : {}) });

async function ok(d: TestDaemon, args: string[], input?: string | Buffer): Promise<RunResult> {
  const r = await cli(d, args, input);
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r;
}

/** A failing command: its exit code and its stderr, which must be exactly `stderr`. */
async function fails(d: TestDaemon, args: string[], code: number, stderr: string, input?: string | Buffer): Promise<void> {
  const r = await cli(d, args, input);
  assert.equal(r.code, code, `docker ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  assert.equal(r.stderr, stderr, `docker ${args.join(' ')}`);
}

const err = (msg: string): string => `Error response from daemon: ${msg}\n`;
/** CLI 28's words for a failed run (create or start). */
const runErr = (msg: string): string => `docker: Error response from daemon: ${msg}\n\nRun 'docker run --help' for more information\n`;
const NOT_DIR_HINT = ': Are you trying to mount a directory onto a file (or vice-versa)? Check if the specified host path exists and is the expected type';

test('docker 28: create refuses what dockerd 20.10 refuses, start and exec fail in its words', { timeout: 90_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const run = (...a: string[]): string[] => ['run', '--rm', '--network', 'none', ...a, 'busybox', 'true'];
  // runconfig's validateIsolation, then verifyPlatformContainerSettings: nothing is created.
  await fails(d, run('--isolation', 'hyperv'), 125, runErr(`Invalid isolation: "hyperv" - linux only supports 'default'`));
  await fails(d, run('--isolation', 'hyperv', '--oom-score-adj', '2000'), 125, runErr(`Invalid isolation: "hyperv" - linux only supports 'default'`));
  await fails(d, run('--oom-score-adj', '2000'), 125, runErr('Invalid value 2000, range for oom score adj is [-1000, 1000]'));
  await fails(d, run('--oom-score-adj', '-1001'), 125, runErr('Invalid value -1001, range for oom score adj is [-1000, 1000]'));
  await fails(d, run('--ipc', 'bogus'), 125, runErr('Invalid IPC mode: bogus'));
  await ok(d, run('--isolation', 'default'));
  await ok(d, run('--ipc', 'shareable'));
  assert.equal((await ok(d, ['ps', '-aq'])).stdout, '');
  // createSpec's check, at start.
  await fails(d, run('--cpu-shares', '-1'), 125, runErr('shares: invalid argument'));

  // ENOTDIR at start or exec: dockerd's hint, and exit code 127 recorded for the start.
  await fails(d, ['run', '--name', 'nd', '--network', 'none', 'busybox', '/etc/passwd/x'], 125,
    runErr(`failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "/etc/passwd/x": stat /etc/passwd/x: not a directory: unknown${NOT_DIR_HINT}`));
  assert.equal((await ok(d, ['inspect', '-f', '{{.State.ExitCode}}', 'nd'])).stdout, '127\n');
  await ok(d, ['run', '-d', '--name', 'up', '--network', 'none', 'busybox', 'sleep', '300']);
  t.after(() => cli(d, ['rm', '-f', 'up']));
  const ex = await cli(d, ['exec', '-w', '/etc/passwd', 'up', 'pwd']);
  assert.equal(ex.code, 126);
  assert.equal(ex.stdout, `OCI runtime exec failed: exec failed: unable to start container process: chdir to cwd ("/etc/passwd") set in config.json failed: not a directory: unknown${NOT_DIR_HINT}\r\n`);
  const missing = await cli(d, ['exec', '-w', '/nonexist', 'up', 'pwd']);
  assert.equal(missing.stdout, 'OCI runtime exec failed: exec failed: unable to start container process: chdir to cwd ("/nonexist") set in config.json failed: no such file or directory: unknown\r\n');
});

test('docker 28: joining another container\'s namespaces fails in dockerd\'s words per namespace', { timeout: 90_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const id = (await ok(d, ['create', '--name', 'off', 'busybox', 'true'])).stdout.trim();
  await ok(d, ['run', '-d', '--name', 'priv', '--network', 'none', 'busybox', 'sleep', '300']);
  await ok(d, ['run', '-d', '--name', 'shared', '--ipc', 'shareable', '--network', 'none', 'busybox', 'sleep', '300']);
  t.after(() => cli(d, ['rm', '-f', 'priv', 'shared']));
  const privId = (await ok(d, ['inspect', '-f', '{{.Id}}', 'priv'])).stdout.trim();
  const run = (...a: string[]): string[] => ['run', '--rm', ...a, 'busybox', 'true'];
  await fails(d, run('--network', 'none', '--ipc', 'container:off'), 125, runErr(`can't join IPC of container ${id}: container ${id} is not running`));
  await fails(d, run('--network', 'none', '--pid', 'container:off'), 125, runErr(`container ${id} is not running`));
  await fails(d, run('--network', 'container:off'), 125, runErr(`cannot join network of a non running container: ${id}`));
  // dockerd 20.10 makes IPC private by default: only a shareable (or host) donor can be joined.
  await fails(d, run('--network', 'none', '--ipc', 'container:priv'), 125,
    runErr(`can't join IPC of container ${privId}: non-shareable IPC (hint: use IpcMode:shareable for the donor container)`));
  await ok(d, run('--network', 'none', '--ipc', 'container:shared'));
  await fails(d, run('--network', 'none', '--ipc', 'container:'), 125, runErr(`can't join IPC of container : invalid name or ID supplied: ""`));
});

test('docker 28: cp into a container leaves its network files out of docker diff', { timeout: 60_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  await ok(d, ['run', '--name', 'cc', '--network', 'none', 'busybox', 'sh', '-c', 'echo x > /x']);
  // The copy bind-mounts /etc/hostname, hosts and resolv.conf; making their mount
  // points must not copy the image's files up into the RW layer.
  await ok(d, ['cp', '-', 'cc:/'], tarOf('y', 'y\n'));
  assert.equal((await ok(d, ['diff', 'cc'])).stdout, 'A /x\nA /y\n');
});

test('docker 28: import takes an empty archive and refuses garbage as dockerd\'s untar does', { timeout: 60_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const id = (await ok(d, ['import', '-', 'empty:1'], '')).stdout.trim();
  assert.match(id, /^sha256:[0-9a-f]{64}$/);
  assert.equal((await ok(d, ['image', 'inspect', '-f', '{{json .RootFS.Layers}} {{.Size}}', 'empty:1'])).stdout,
    '["sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"] 0\n');
  await fails(d, ['import', '-', 'bad:1'], 1, err('Error processing tar file(exit status 1): unexpected EOF'), 'notatar\n');
  await fails(d, ['import', '-', 'bad:1'], 1, err('Error processing tar file(exit status 1): archive/tar: invalid tar header'), 'x'.repeat(2000));
  await fails(d, ['import', '-', 'bad:1'], 1, err('Error processing tar file(exit status 1): unexpected EOF'), Buffer.alloc(1000));
  assert.equal((await ok(d, ['images', '-q', 'bad'])).stdout, '');
  // Go's GraphDriverData: Data, then Name (what 'docker image inspect' prints).
  assert.match((await ok(d, ['image', 'inspect', '-f', '{{json .GraphDriver}}', 'busybox'])).stdout, /^\{"Data":\{.*\},"Name":"\w+"\}\n$/);
});

/** A one-file tar archive, made by hand (ustar, one header block, data padded to 512). */
function tarOf(name: string, content: string): Buffer {
  const header = Buffer.alloc(512);
  const put = (off: number, len: number, s: string): void => { header.write(s.padEnd(len, '\0').slice(0, len), off, 'latin1'); };
  const data = Buffer.from(content);
  put(0, 100, name);
  put(100, 8, '0000644');
  put(108, 8, '0000000');
  put(116, 8, '0000000');
  put(124, 12, data.length.toString(8).padStart(11, '0'));
  put(136, 12, Math.floor(Date.now() / 1000).toString(8).padStart(11, '0'));
  put(156, 1, '0');
  put(257, 6, 'ustar');
  put(263, 2, '00');
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of header) sum += b;
  put(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header, data, pad, Buffer.alloc(1024)]);
}

test('docker 28: a local volume that fails to mount and an unknown IPAM driver, in dockerd\'s words', { timeout: 60_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  await ok(d, ['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=bogusopt', 'tvbad']);
  // moby/sys/mount's error: no flags when there are none, Go's text for the errno.
  const r = await cli(d, ['run', '--rm', '--network', 'none', '-v', 'tvbad:/t', 'busybox', 'true']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /^docker: Error response from daemon: error while mounting volume '(.*)': failed to mount local volume: mount tmpfs:(.*), data: bogusopt: invalid argument\n/);
  const [, shown, target] = /volume '(.*)': failed to mount local volume: mount tmpfs:(.*), data:/.exec(r.stderr)!;
  assert.equal(shown, target);
  assert.ok(shown!.endsWith('/volumes/tvbad/_data'), shown);
  await fails(d, ['network', 'create', '--ipam-driver', 'bogus', 'nipam'], 1, err('plugin "bogus" not found'));
  assert.equal((await ok(d, ['network', 'ls', '-q', '-f', 'name=nipam'])).stdout, '');
});

test('docker 28: logs --details, kernel memory, blkio devices as dockerd 20.10 takes them', { timeout: 60_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  // json-file's attrs: labels named by labels=, env matched by env-regex=, sorted, query-escaped.
  await ok(d, ['run', '--network', 'none', '--name', 'lg', '-l', 'x=1', '-l', 'other=2', '--log-opt', 'labels=x', '--log-opt', 'env-regex=^E',
    '-e', 'E=ev', '-e', 'EF=a%20b', '-e', 'N=1', 'busybox', 'sh', '-c', 'echo hello; echo err >&2']);
  const logs = await ok(d, ['logs', '--details', 'lg']);
  assert.equal(logs.stdout, 'E=ev,EF=a%2520b,x=1 hello\n');
  assert.equal(logs.stderr, 'E=ev,EF=a%2520b,x=1 err\n');
  await ok(d, ['run', '--network', 'none', '--name', 'plain', 'busybox', 'echo', 'hi']);
  assert.equal((await ok(d, ['logs', '--details', 'plain'])).stdout, ' hi\n');

  if ((await ok(d, ['info', '--format', '{{.KernelMemory}}'])).stdout === 'true\n') {
    await fails(d, ['run', '--rm', '--network', 'none', '--kernel-memory', '1k', 'busybox', 'true'], 125, runErr('Minimum kernel memory limit allowed is 6MB'));
  }
  // createSpec stats a throttled device: Go's words, which the CLI makes exit code 127.
  await fails(d, ['run', '--rm', '--network', 'none', '--device-read-iops', '/dev/nonexist:10', 'busybox', 'true'], 127, runErr('stat /dev/nonexist: no such file or directory'));
});
