import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { DOCKER_CLI_20, DOCKER_CLI_28, waitFor } from '../helpers/daemon.js';
import { ok, inspect, withTty, daemonWithBusybox as setup } from '../helpers/cli.js';

/**
 * Container lifecycle through the real docker CLI (28 and 20.10): run in the
 * foreground with exit codes, stdin and a TTY; -d with stop, kill, restart, wait;
 * restart policies and --rm; rm -f of a running container; the daemon killed and
 * restarted while containers run (they keep running and are found again), and a
 * clean shutdown that stops them.
 */

test('docker run in the foreground: output, exit codes, stdin, a TTY, --rm', { timeout: 180_000 }, async (t) => {
  const d = await setup(t);
  for (const cli of [DOCKER_CLI_28, DOCKER_CLI_20]) {
    const r = await d.docker(['run', '--name', `fg-${cli.length}`, 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3'], { cli });
    assert.equal(r.code, 3, `${cli}: ${r.stderr}`);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
    assert.equal(await inspect(d, `fg-${cli.length}`, '{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}'), 'exited 3 false');
  }
  // -i: stdin reaches the process and its end closes the container's stdin.
  const piped = await d.docker(['run', '-i', '--rm', 'busybox', 'sh', '-c', 'cat; echo done'], { input: 'from stdin\n' });
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(piped.stdout, 'from stdin\ndone\n');
  // --rm: the container is gone once the CLI returns.
  assert.equal((await ok(d, ['ps', '-aq', '--filter', 'status=exited'])).trim().split('\n').length, 2);

  // -t: a pty owned by the shim, its size from the CLI, the exit code through the terminal.
  const tty = await withTty(d, "docker run --rm -t busybox sh -c 'tty; exit 6'");
  assert.equal(tty.code, 6, tty.out);
  assert.match(tty.out, /\/dev\/pts\/0/);
  const it = await withTty(d, 'docker run --rm -it busybox sh', 'echo in-$((6*7))\nexit 4\n');
  assert.equal(it.code, 4, it.out);
  assert.match(it.out, /in-42/);

  // A command that cannot run: dockerd's 127 and its message; the record keeps both,
  // and nothing of the failed start stays mounted or running.
  const missing = await d.docker(['run', '--name', 'nosuch', 'busybox', 'nosuchcmd']);
  assert.equal(missing.code, 127);
  assert.match(missing.stderr, /exec: "nosuchcmd": executable file not found in \$PATH/);
  assert.equal(await inspect(d, 'nosuch', '{{.State.Status}} {{.State.ExitCode}}'), 'created 127');
  const nosuchId = await inspect(d, 'nosuch', '{{.Id}}');
  assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(nosuchId), 'no mount of the failed container is left');
  const notExec = await d.docker(['run', '--rm', 'busybox', '/etc/passwd']);
  assert.equal(notExec.code, 126, notExec.stderr);

  // Over its memory limit: the kernel's OOM killer ends it; exit 137 and OOMKilled.
  const oom = await d.docker(['run', '--name', 'oom', '-m', '8m', '--memory-swap', '8m', 'busybox', 'tail', '/dev/zero']);
  assert.equal(oom.code, 137, oom.stderr);
  assert.equal(await inspect(d, 'oom', '{{.State.OOMKilled}} {{.State.ExitCode}}'), 'true 137');
  assert.equal((await ok(d, ['ps', '-q'])).trim(), '', 'the daemon outlives its containers, and none is left running');
});

test('detached containers: stop, kill, restart, wait, rm -f, and the state machine errors', { timeout: 180_000 }, async (t) => {
  const d = await setup(t);
  const id = (await ok(d, ['run', '-d', '--name', 'web', '--stop-timeout', '1', 'busybox', 'sleep', '1000'])).trim();
  assert.match(id, /^[a-f0-9]{64}$/);
  const pid = Number(await inspect(d, 'web', '{{.State.Pid}}'));
  assert.ok(pid > 0 && existsSync(`/proc/${pid}`));
  assert.match(await inspect(d, 'web', '{{.State.Status}} {{.State.Running}} {{.LogPath}}'), /^running true \/.+-json\.log$/);
  // The container's init runs in its own pid namespace as PID 1.
  assert.match(readFileSync(`/proc/${pid}/status`, 'utf8'), /NSpid:\s+\d+\s+1\n/);

  // start of a running container: 304, which the CLI reports as success.
  await ok(d, ['start', 'web']);
  // sleep as PID 1 ignores SIGTERM: stop waits --stop-timeout, then SIGKILL.
  const t0 = Date.now();
  await ok(d, ['stop', 'web']);
  assert.ok(Date.now() - t0 >= 900, 'stop waited for the timeout');
  assert.equal(await inspect(d, 'web', '{{.State.Status}} {{.State.ExitCode}} {{.State.Pid}}'), 'exited 137 0');
  assert.ok(!existsSync(`/proc/${pid}`) || /State:\s+Z/.test(readFileSync(`/proc/${pid}/status`, 'utf8')));

  const killErr = await d.docker(['kill', 'web']);
  assert.notEqual(killErr.code, 0);
  assert.match(killErr.stderr, new RegExp(`Container ${id} is not running`));

  await ok(d, ['start', 'web']);
  // PID 1 of a pid namespace gets only the signals it handles: kill -s reaches its trap.
  await ok(d, ['run', '-d', '--name', 'sig', 'busybox', 'sh', '-c', 'trap "exit 11" USR1; while :; do sleep 0.1; done']);
  await ok(d, ['kill', '-s', 'USR1', 'sig']);
  assert.equal((await ok(d, ['wait', 'sig'])).trim(), '11');
  const badSignal = await d.docker(['kill', '-s', 'NOPE', 'web']);
  assert.notEqual(badSignal.code, 0);
  assert.match(badSignal.stderr, /Invalid signal: NOPE/);

  await ok(d, ['restart', '-t', '0', 'web']);
  assert.equal(await inspect(d, 'web', '{{.State.Status}}'), 'running');
  const rmRunning = await d.docker(['rm', 'web']);
  assert.notEqual(rmRunning.code, 0);
  assert.match(rmRunning.stderr, /You cannot remove a running container .* Stop the container before attempting removal or force remove/);
  await ok(d, ['rm', '-f', 'web']);
  assert.equal((await ok(d, ['ps', '-aq', '--filter', 'name=web'])).trim(), '');

  // A TERM-handling process stops at once with its own code.
  await ok(d, ['run', '-d', '--name', 'trap', 'busybox', 'sh', '-c', 'trap "exit 42" TERM; while :; do sleep 0.1; done']);
  await ok(d, ['stop', 'trap']);
  assert.equal(await inspect(d, 'trap', '{{.State.ExitCode}}'), '42');

  // docker wait on several, and on a container that exits by itself.
  await ok(d, ['run', '-d', '--name', 'short', 'busybox', 'sh', '-c', 'sleep 1; exit 9']);
  assert.equal((await ok(d, ['wait', 'short', 'trap'])).trim(), '9\n42');
});

test('restart policies, --rm of a detached container, and the daemon killed and restarted', { timeout: 180_000 }, async (t) => {
  const d = await setup(t);
  await ok(d, ['run', '-d', '--name', 'flaky', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'exit 5']);
  await waitFor('on-failure retries', async () => (await inspect(d, 'flaky', '{{.State.Status}} {{.RestartCount}}')) === 'exited 2', 20_000);
  await ok(d, ['run', '-d', '--name', 'always', '--restart', 'always', 'busybox', 'sh', '-c', 'sleep 0.3']);
  await waitFor('always restarts', async () => Number(await inspect(d, 'always', '{{.RestartCount}}')) >= 2, 20_000);
  await ok(d, ['stop', 'always']);
  const count = await inspect(d, 'always', '{{.RestartCount}}');
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(await inspect(d, 'always', '{{.State.Status}} {{.RestartCount}}'), `exited ${count}`, 'a stopped container stays stopped');

  await ok(d, ['run', '-d', '--rm', '--name', 'gone', 'busybox', 'true']);
  await waitFor('--rm removes it', async () => (await ok(d, ['ps', '-aq', '--filter', 'name=gone'])).trim() === '');

  // SIGKILL the daemon: the container keeps running; the restarted daemon finds it.
  await ok(d, ['run', '-d', '--name', 'survivor', 'busybox', 'sh', '-c', 'trap "exit 7" TERM; while :; do sleep 0.1; done']);
  await ok(d, ['run', '-d', '--name', 'boot', '--restart', 'unless-stopped', 'busybox', 'sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.1; done']);
  const pid = Number(await inspect(d, 'survivor', '{{.State.Pid}}'));
  d.kill('SIGKILL');
  await d.exited;
  assert.ok(existsSync(`/proc/${pid}`), 'the container outlives its daemon');
  await d.restart();
  assert.equal(await inspect(d, 'survivor', '{{.State.Status}} {{.State.Pid}}'), `running ${pid}`);
  await ok(d, ['stop', 'survivor']);
  assert.equal(await inspect(d, 'survivor', '{{.State.ExitCode}}'), '7');

  // A clean shutdown stops containers; unless-stopped brings its own back at boot.
  await d.restart();
  assert.equal(await inspect(d, 'boot', '{{.State.Status}}'), 'running');
  assert.equal(await inspect(d, 'survivor', '{{.State.Status}}'), 'exited');
});

test('docker attach to a running container, the detach keys, and start -a', { timeout: 120_000 }, async (t) => {
  const d = await setup(t);
  await ok(d, ['run', '-dit', '--name', 'shell', 'busybox', 'sh']);
  // Type a command, then ctrl-p ctrl-q: the CLI detaches ("read escape sequence", as
  // against dockerd) and the shell keeps running.
  const attached = await withTty(d, 'docker attach shell', ['echo attached-$((2*21))\n', '\x10\x11']);
  assert.match(attached.out, /attached-42/);
  assert.match(attached.out, /read escape sequence/);
  assert.equal(await inspect(d, 'shell', '{{.State.Running}}'), 'true');
  // Custom keys.
  const custom = await withTty(d, 'docker attach --detach-keys ctrl-a,x shell', ['echo custom\n', '\x01x']);
  assert.match(custom.out, /read escape sequence/);
  assert.equal(await inspect(d, 'shell', '{{.State.Running}}'), 'true');
  // start -a of a stopped container streams its whole output and its exit code.
  await ok(d, ['create', '--name', 'again', 'busybox', 'sh', '-c', 'echo first; echo second >&2; exit 2']);
  for (const cli of [DOCKER_CLI_28, DOCKER_CLI_20]) {
    const r = await d.docker(['start', '-a', 'again'], { cli });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, 'first\n');
    assert.equal(r.stderr, 'second\n');
  }
});

