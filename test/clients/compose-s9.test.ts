import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeProject, daemonWithBusybox, inspect } from '../helpers/cli.js';
import type { TestDaemon } from '../helpers/daemon.js';
import { runTool, type ToolRun } from '../helpers/tools.js';

/**
 * Debian's docker-compose 1.29 against berth, on what the ninth sweep beside
 * dockerd 20.10 found different.
 */

/** docker-compose as project `s9` in `cwd`. */
function compose(d: TestDaemon, cwd: string, args: string[]): Promise<ToolRun> {
  return runTool(d, '/usr/bin/docker-compose', ['-p', 's9', ...args], { cwd, timeoutMs: 60_000 });
}

function sorted(env: string): string[] {
  return env.trim().split('\n').filter((l) => l !== 'HOME=/root').sort();
}

test('docker-compose: a bare environment key unsets it in the process, in up, exec and run, as dockerd 20.10', { timeout: 120_000 }, async (t) => {
  // compose sends a key it cannot resolve from its own environment bare ('GONE', not
  // 'GONE='): dockerd unsets it, the daemon's HOSTNAME too, and never passes it on.
  const { d, proj } = await composeProject(t, 'env', `
version: "2.4"
services:
  e:
    image: busybox
    command: ["sleep", "3600"]
    stop_signal: SIGKILL
    environment: [GONE, HOSTNAME, KEPT=1]
`);
  const up = await compose(d, proj, ['up', '-d']);
  assert.equal(up.code, 0, up.err);
  // The container's config keeps what the client sent.
  assert.equal(await inspect(d, 's9_e_1', '{{json .Config.Env}}'), `["GONE","HOSTNAME","KEPT=1","PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]`);
  const path = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

  const main = await compose(d, proj, ['exec', '-T', 'e', 'sh', '-c', 'tr "\\0" "\\n" < /proc/1/environ']);
  assert.equal(main.code, 0, main.err);
  assert.deepEqual(sorted(main.out), ['KEPT=1', path]);

  // exec's own bare key unsets the container's KEPT; HOSTNAME stays unset.
  const ex = await compose(d, proj, ['exec', '-T', '-e', 'KEPT', '-e', 'ALSO', 'e', 'env']);
  assert.equal(ex.code, 0, ex.err);
  assert.deepEqual(sorted(ex.out), [path]);

  const run = await compose(d, proj, ['run', '--rm', '-T', '-e', 'KEPT', '-e', 'X=y', 'e', 'env']);
  assert.equal(run.code, 0, run.err);
  assert.deepEqual(sorted(run.out), [path, 'X=y']);

  const down = await compose(d, proj, ['down']);
  assert.equal(down.code, 0, down.err);
});

test('docker-compose: a bad extra_hosts entry fails the create in dockerd 20.10 words, leaving no container', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const proj = join(d.dir, 'hosts');
  mkdirSync(proj);
  const cases: [string, string][] = [
    ['bad', 'bad format for add-host: "bad"'],
    ['h:notip', 'invalid IP address in add-host: "notip"'],
  ];
  for (const [entry, words] of cases) {
    writeFileSync(join(proj, 'docker-compose.yml'), `
version: "2.4"
services:
  a:
    image: busybox
    command: sleep 3600
    extra_hosts: ["${entry}"]
`);
    const up = await compose(d, proj, ['up', '-d']);
    assert.equal(up.code, 1, up.err);
    assert.ok(up.err.includes(`ERROR: for a  Cannot create container for service a: ${words}`), up.err);
    const ps = await compose(d, proj, ['ps', '-q']);
    assert.equal(ps.out, '', 'no container is left behind');
  }
  // host-gateway and an IPv6 address are good entries.
  writeFileSync(join(proj, 'docker-compose.yml'), `
version: "2.4"
services:
  a:
    image: busybox
    command: sleep 3600
    stop_signal: SIGKILL
    extra_hosts: ["gw:host-gateway", "six:::1"]
`);
  const up = await compose(d, proj, ['up', '-d']);
  assert.equal(up.code, 0, up.err);
  const down = await compose(d, proj, ['down']);
  assert.equal(down.code, 0, down.err);
});

test('docker-compose: a sysctl outside the container\'s namespaces fails the start with runc\'s words as dockerd 20.10 passes them on', { timeout: 120_000 }, async (t) => {
  const { d, proj } = await composeProject(t, 'sysctl', `
version: "2.4"
services:
  a:
    image: busybox
    sysctls: {kernel.foo: 1}
  h:
    image: busybox
    network_mode: host
    sysctls: {net.ipv4.ip_forward: 1}
    profiles: [h]
`);
  const shim = 'failed to create shim task: OCI runtime create failed: runc create failed:';
  const up = await compose(d, proj, ['up', '-d', 'a']);
  assert.equal(up.code, 1, up.err);
  assert.ok(up.err.includes(`ERROR: for a  Cannot start service a: ${shim} sysctl "kernel.foo" is not in a separate kernel namespace: unknown`), up.err);
  assert.equal(await inspect(d, 's9_a_1', '{{.State.ExitCode}} {{.State.Error}}'),
    `128 ${shim} sysctl "kernel.foo" is not in a separate kernel namespace: unknown`);
  const host = await compose(d, proj, ['--profile', 'h', 'up', '-d', 'h']);
  assert.equal(host.code, 1, host.err);
  assert.ok(host.err.includes(`Cannot start service h: ${shim} sysctl "net.ipv4.ip_forward" not allowed in host network namespace: unknown`), host.err);
  const down = await compose(d, proj, ['--profile', 'h', 'down']);
  assert.equal(down.code, 0, down.err);
});
