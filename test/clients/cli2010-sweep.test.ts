import { test } from 'node:test';
import assert from 'node:assert/strict';
import { daemonWithBusybox } from '../helpers/cli.js';
import { DOCKER_CLI_20, type RunResult, type TestDaemon } from '../helpers/daemon.js';

/**
 * Debian's docker CLI 20.10 against berth, on what a sweep beside dockerd 20.10 found
 * different: create-time checks and warnings, log options, ps filters and Command,
 * system df, events' filters, images' dangling filter, rename's wording, and stop or
 * rm -f of a running --rm container. Messages are dockerd's, word for word.
 */

const cli = (d: TestDaemon, args: string[], timeoutMs = 30_000): Promise<RunResult> => d.docker(args, { cli: DOCKER_CLI_20, timeoutMs });

async function ok(d: TestDaemon, args: string[]): Promise<RunResult> {
  const r = await cli(d, args);
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r;
}

/** A failing command: its exit code and its stderr, which must be exactly `stderr`. */
async function fails(d: TestDaemon, args: string[], code: number, stderr: string): Promise<void> {
  const r = await cli(d, args);
  assert.equal(r.code, code, `docker ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  assert.equal(r.stderr, stderr, `docker ${args.join(' ')}`);
}

const err = (msg: string): string => `Error response from daemon: ${msg}\n`;
const runErr = (msg: string, help = true): string => `docker: Error response from daemon: ${msg}.\n${help ? "See 'docker run --help'.\n" : ''}`;

test('docker 20.10: create and run refuse, warn and check log options as dockerd 20.10', { timeout: 90_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  // runconfig's validateNetMode, before the name or the image is looked at.
  await fails(d, ['create', '--uts', 'host', '-h', 'foo', 'busybox'], 1, err('conflicting options: hostname and the UTS mode'));
  await fails(d, ['create', '--net', 'container:x', '-h', 'foo', 'busybox'], 1, err('conflicting options: hostname and the network mode'));
  await fails(d, ['create', '--net', 'container:x', '--dns', '1.1.1.1', 'busybox'], 1, err('conflicting options: dns and the network mode'));
  await fails(d, ['create', '--net', 'container:x', '--add-host', 'a:1.1.1.1', 'busybox'], 1, err('conflicting options: custom host-to-IP mapping and the network mode'));
  await fails(d, ['create', '--net', 'container:x', '-p', '80', 'busybox'], 1, err('conflicting options: port publishing and the container type network mode'));
  await fails(d, ['create', '--net', 'container:x', '--expose', '80', 'busybox'], 1, err('conflicting options: port exposing and the container type network mode'));
  await fails(d, ['create', '--net', 'container:', 'busybox'], 1, err('Invalid network mode: invalid container format container:<name|id>'));
  await fails(d, ['create', '--net', 'host', '--mac-address', '02:42:ac:11:00:99', 'busybox'], 1, err('conflicting options: mac-address and the network mode'));
  // A missing --ipc/--pid container: fails the create with a 400 (a 404 would make the CLI pull).
  await fails(d, ['run', '--rm', '--ipc', 'container:nonexist', 'busybox', 'true'], 125, runErr('No such container: nonexist'));
  await fails(d, ['run', '--rm', '--pid', 'container:nonexist', 'busybox', 'true'], 125, runErr('No such container: nonexist'));
  await fails(d, ['run', '--rm', '--stop-signal', 'BOGUS', 'busybox', 'true'], 125, runErr('Invalid signal: BOGUS'));
  await fails(d, ['run', '--rm', '--runtime', 'bogus', 'busybox', 'true'], 125, runErr('Unknown runtime specified bogus'));
  await fails(d, ['kill', 'nonexist'], 1, err('Cannot kill container: nonexist: No such container: nonexist'));
  // --platform: an image of another platform is not found (here with --pull never).
  await fails(d, ['run', '--pull', 'never', '--rm', '--platform', 'linux/arm64', 'busybox', 'true'], 125,
    runErr('image with reference busybox was found but does not match the specified platform: wanted linux/arm64, actual: linux/amd64'));
  await ok(d, ['run', '--pull', 'never', '--rm', '--platform', 'linux/amd64', 'busybox', 'true']);
  // Log options: names at create, json-file's values when it opens at start (no --help then).
  await fails(d, ['run', '--rm', '--log-opt', 'foo=bar', 'busybox', 'true'], 125, runErr("unknown log opt 'foo' for json-file log driver"));
  await fails(d, ['create', '--log-driver', 'bogus', 'busybox'], 1, err('error looking up logging plugin bogus: plugin "bogus" not found'));
  await fails(d, ['run', '--rm', '--log-opt', 'mode=x', 'busybox', 'true'], 125, runErr('logger: logging mode not supported: x'));
  await fails(d, ['run', '--rm', '--log-opt', 'max-size=abc', 'busybox', 'true'], 125, runErr("failed to initialize logging driver: invalid size: 'abc'", false));
  await fails(d, ['run', '--rm', '--log-opt', 'max-size=1m', '--log-opt', 'max-file=0', 'busybox', 'true'], 125,
    runErr('failed to initialize logging driver: max-file cannot be less than 1', false));
  assert.equal((await ok(d, ['run', '--rm', '--log-opt', 'max-size=1k', '--log-opt', 'max-file=2', 'busybox', 'echo', 'hi'])).stdout, 'hi\n');
  // The daemon's warnings, after the CLI's own.
  assert.equal((await ok(d, ['create', '--oom-kill-disable', 'busybox'])).stderr,
    "WARNING: Disabling the OOM killer on containers without setting a '-m/--memory' limit may be dangerous.\n" +
    'WARNING: OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.\n');
  assert.match((await ok(d, ['create', '--kernel-memory', '10m', 'busybox'])).stderr,
    /^WARNING: Specifying a kernel memory limit is deprecated and will be removed in a future release.\n/);
  await fails(d, ['create', '--cap-add', 'BOGUS', 'busybox'], 1, err('invalid CapAdd: unknown capability: "CAP_BOGUS"'));
  assert.equal((await ok(d, ['create', '--net', 'host', '-p', '80:80', 'busybox'])).stderr, 'WARNING: Published ports are discarded when using host network mode\n');
});

test('docker 20.10: ps filters and Command, images -f dangling, events filters, system df, rename, stop of a --rm container', { timeout: 90_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  assert.equal((await cli(d, ['run', '--name', 'x3', 'busybox', 'sh', '-c', 'echo x > /f; exit 3'])).code, 3);
  await ok(d, ['create', '--name', 'c2', '--expose', '8080', 'busybox', 'echo', 'hi']);
  await ok(d, ['run', '-d', '--name', 'up', '--net', 'none', 'busybox', 'sleep', '300']);
  t.after(() => cli(d, ['rm', '-f', 'up']));

  // Arguments holding a space are single-quoted, as dockerd's view does.
  assert.equal((await ok(d, ['ps', '-a', '--no-trunc', '--filter', 'name=x3', '--format', '{{.Command}}'])).stdout, `"sh -c 'echo x > /f; exit 3'"\n`);
  await fails(d, ['ps', '-a', '--filter', 'bogus=1'], 1, err("Invalid filter 'bogus'"));
  await fails(d, ['ps', '-a', '--filter', 'exited=x'], 1, err('strconv.Atoi: parsing "x": invalid syntax'));
  await fails(d, ['ps', '-a', '--filter', 'is-task=maybe'], 1, err("Invalid filter 'is-task=[maybe]'"));
  await fails(d, ['ps', '-a', '--filter', 'publish=80:80'], 1, err("filter for 'publish' should not contain ':': 80:80"));
  await fails(d, ['ps', '-a', '--filter', 'expose=abc'], 1, err('error while looking up for expose abc: strconv.ParseUint: parsing "abc": invalid syntax'));
  await fails(d, ['ps', '-a', '--filter', 'since=nonexist'], 1, err('no such container nonexist'));
  const names = async (...filter: string[]): Promise<string> => (await ok(d, ['ps', '-a', ...filter.flatMap((f) => ['--filter', f]), '--format', '{{.Names}}'])).stdout;
  assert.equal(await names('is-task=true'), '');
  assert.equal(await names('is-task=false', 'name=x3'), 'x3\n');
  // Only a running container's ports count: c2 exposes 8080 but does not run.
  assert.equal(await names('expose=8080'), '');
  assert.equal(await names('network=none'), 'up\n');

  await fails(d, ['images', '-f', 'dangling=1'], 1, err("Invalid filter 'dangling=[1]'"));
  // dockerd never validates event filter keys.
  const since = String(Math.floor(Date.now() / 1000) - 60);
  const ev = await ok(d, ['events', '--since', since, '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', 'colour=red', '--filter', 'event=create', '--format', '{{.Actor.Attributes.name}}']);
  assert.deepEqual(ev.stdout.trim().split('\n').sort(), ['c2', 'up', 'x3']);

  // system df: containers as ps -a -s lists them; images only the heads.
  const df = (await ok(d, ['system', 'df', '--format', '{{.Type}}|{{.TotalCount}}|{{.Active}}|{{.Size}}'])).stdout;
  assert.match(df, /^Images\|1\|1\|/m);
  assert.match(df, /^Containers\|3\|1\|2B$/m);
  assert.match((await ok(d, ['system', 'df', '-v'])).stdout, /busybox\s+"sh -c 'echo x > \/f;…"\s+0\s+2B\s+.*Exited \(3\)/);

  await fails(d, ['rename', 'x3', 'bad name'], 1,
    err('Error when allocating new name: Invalid container name (/bad name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed') + 'Error: failed to rename container named x3\n');

  await fails(d, ['kill', '-s', '99', 'up'], 1, err('Cannot kill container: up: The linux daemon does not support signal 99'));

  // A running --rm container: stop and rm -f return (they waited for ever), and it is gone.
  await ok(d, ['run', '-d', '--rm', '--name', 'r1', 'busybox', 'sleep', '300']);
  await ok(d, ['run', '-d', '--rm', '--name', 'r2', 'busybox', 'sleep', '300']);
  const stop = await cli(d, ['stop', '-t', '1', 'r1'], 15_000);
  assert.equal(stop.code, 0, stop.stderr);
  const rm = await cli(d, ['rm', '-f', 'r2'], 15_000);
  assert.equal(rm.code, 0, rm.stderr);
  const deadline = Date.now() + 10_000;
  while ((await names('name=r')) !== '' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.equal(await names('name=r'), '');
});
