import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeProject, daemonWithBusybox, inspect, ok } from '../helpers/cli.js';
import type { TestDaemon } from '../helpers/daemon.js';
import { runTool, type ToolRun } from '../helpers/tools.js';

/**
 * Debian's docker-compose 1.29 against berth, on what a sweep beside dockerd 20.10
 * found different: the fields compose's containers, networks and images show, the
 * aliases compose reconnects by, build labels and `down --rmi local`.
 */

type Run = ToolRun;

/** docker-compose as project `sweep` in `cwd`; PRIV: the private mount the propagation check binds from. */
function compose(d: TestDaemon, cwd: string, args: string[]): Promise<Run> {
  return runTool(d, '/usr/bin/docker-compose', ['-p', 'sweep', ...args], { cwd, env: { PRIV: join(d.dir, 'priv') }, timeoutMs: 60_000 });
}

async function up(d: TestDaemon, cwd: string, args: string[]): Promise<Run> {
  const r = await compose(d, cwd, args);
  assert.equal(r.code, 0, `docker-compose ${args.join(' ')}: ${r.err}`);
  return r;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const MAC = '02:42:0a:b1:c2:d3';

test('docker-compose: inspect fields, aliases and DNS names, volumes_from, internal networks, group_add as dockerd 20.10', { timeout: 120_000 }, async (t) => {
  const { d, proj } = await composeProject(t, 'sweep', `
version: "2.4"
services:
  web:
    image: busybox
    command: sleep 3600
    stop_signal: SIGKILL
    hostname: webhost
    mac_address: ${MAC}
    mem_limit: 64m
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
    volumes:
      - /data
      - named:/named:rw
      - type: tmpfs
        target: /tt
    networks:
      front:
        aliases: [www]
      back: {}
  side:
    image: busybox
    command: sleep 3600
    stop_signal: SIGKILL
    volumes_from: [web]
    networks: [front]
  hostpid:
    image: busybox
    command: sleep 3600
    stop_signal: SIGKILL
    pid: host
    network_mode: none
  hidden:
    image: busybox
    command: sleep 3600
    stop_signal: SIGKILL
    expose: ["9000"]
    networks: [inner]
  grp:
    image: busybox
    command: "true"
    group_add: [nosuchgroup]
    network_mode: none
  prop:
    image: busybox
    command: "true"
    network_mode: none
    volumes:
      - type: bind
        source: \${PRIV}
        target: /p
        bind: {propagation: rslave}
networks:
  front: {}
  back: {}
  inner:
    internal: true
volumes:
  named: {}
`);
  const services = ['web', 'side', 'hostpid', 'hidden'];
  await up(d, proj, ['up', '-d', ...services]);
  const again = await up(d, proj, ['up', '-d', ...services]);
  for (const s of services) assert.match(again.err, new RegExp(`sweep_${s}_1 is up-to-date`));

  const api = d.client();
  const web: Json = await api.getContainer('sweep_web_1').inspect();
  const shortId = web.Id.slice(0, 12);
  // What compose leaves out shows as dockerd keeps it: nulls and "", not the CLI's [] and "no".
  assert.deepEqual(Object.keys(web.Config.Healthcheck).sort(), ['Interval', 'Test']);
  assert.equal(web.HostConfig.Dns, null);
  assert.equal(web.HostConfig.DnsSearch, null);
  assert.equal(web.HostConfig.Devices, null);
  assert.equal(web.HostConfig.Links, null);
  assert.equal(web.HostConfig.RestartPolicy.Name, '');
  assert.equal(web.HostConfig.MemorySwap, 2 * 64 * 1024 * 1024);
  for (const m of web.HostConfig.Mounts) assert.ok(!Object.values(m).includes(null), JSON.stringify(m));
  // mac_address: kept, and the address of the endpoint on the network NetworkMode names.
  assert.equal(web.Config.MacAddress, MAC);
  assert.equal(web.NetworkSettings.Networks[web.HostConfig.NetworkMode].MacAddress, MAC);
  const aliases = (w: Json, net: string): string[] => w.NetworkSettings.Networks[net].Aliases;
  for (const net of ['sweep_front', 'sweep_back']) {
    // compose already lists the short ID when it connects: once, and the hostname too.
    assert.equal(aliases(web, net).filter((a) => a === shortId).length, 1, `${net}: ${aliases(web, net)}`);
    assert.ok(aliases(web, net).includes('webhost'), `${net}: ${aliases(web, net)}`);
  }
  assert.ok(aliases(web, 'sweep_front').includes('www'));
  // The hostname alias answers in the network's DNS.
  const ping = await up(d, proj, ['exec', '-T', 'side', 'ping', '-c', '1', '-W', '3', 'webhost']);
  assert.match(ping.out, new RegExp(`\\(${web.NetworkSettings.Networks.sweep_front.IPAddress.replace(/\./g, '\\.')}\\)`));

  // volumes_from copies the mount points without their Mode.
  const side: Json = await api.getContainer('sweep_side_1').inspect();
  assert.ok(web.Mounts.some((m: Json) => m.Destination === '/named' && m.Mode === 'rw'));
  assert.deepEqual(side.Mounts.map((m: Json) => m.Mode), side.Mounts.map(() => ''));

  const hostpid: Json = await api.getContainer('sweep_hostpid_1').inspect();
  assert.deepEqual(hostpid.HostConfig.SecurityOpt, ['label=disable']);
  // Only on an internal network: no gateway endpoint, so no ports at all, exposed ones included.
  const hidden: Json = await api.getContainer('sweep_hidden_1').inspect();
  assert.deepEqual(Object.keys(hidden.Config.ExposedPorts), ['9000/tcp']);
  assert.deepEqual(hidden.NetworkSettings.Ports, {});
  const front: Json = await api.getNetwork('sweep_front').inspect();
  assert.equal(front.IPAM.Options, null);

  // The short ID stays among the aliases after a stop, and the next up keeps it single.
  await up(d, proj, ['stop', 'web']);
  assert.ok(aliases(await api.getContainer('sweep_web_1').inspect(), 'sweep_front').includes(shortId));
  await up(d, proj, ['up', '-d', ...services]);
  const restarted: Json = await api.getContainer('sweep_web_1').inspect();
  assert.equal(aliases(restarted, 'sweep_front').filter((a) => a === shortId).length, 1);

  const grp = await compose(d, proj, ['run', '--rm', '-T', 'grp']);
  assert.notEqual(grp.code, 0);
  assert.match(grp.err, /Unable to find group nosuchgroup: no matching entries in group file/);

  // An rslave bind from a private mount cannot start (dockerd's WithMounts check); the failed
  // start leaves its error and exit code 128 on the record, as dockerd's containerStart does.
  const priv = join(d.dir, 'priv');
  mkdirSync(priv);
  assert.equal(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', priv]).status, 0);
  t.after(() => { spawnSync('umount', [priv]); });
  assert.equal(spawnSync('mount', ['--make-private', priv]).status, 0);
  const refused = `path ${priv} is mounted on ${priv} but it is not a shared or slave mount`;
  const prop = await compose(d, proj, ['up', '-d', 'prop']);
  assert.notEqual(prop.code, 0);
  assert.ok(prop.err.includes(refused), prop.err);
  const propState: Json = (await api.getContainer('sweep_prop_1').inspect()).State;
  assert.deepEqual([propState.Status, propState.ExitCode, propState.Error], ['created', 128, refused]);

  await up(d, proj, ['down', '-v']);
  assert.equal((await ok(d, ['ps', '-aq'])).trim(), '');
});

test('docker-compose: build labels as separate steps, down --rmi local with shared parents, image size with symlinks', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const proj = join(d.dir, 'sweep');
  mkdirSync(proj);
  writeFileSync(join(proj, 'Dockerfile'), 'FROM busybox\nARG GREETING=hello\nLABEL stage=one\nRUN echo "$GREETING" > /g\n');
  writeFileSync(join(proj, 'docker-compose.yml'), `
version: "2.4"
services:
  app:
    build:
      context: .
      args: {GREETING: hi}
      labels:
        com.example.b: "2"
        com.example.a: "$$HOME"
    image: sweep-app:v1
    command: sleep 3600
    stop_signal: SIGKILL
  other:
    build: .
    command: sleep 3600
    stop_signal: SIGKILL
`);
  const built = await up(d, proj, ['up', '-d', '--build']);
  // dockerd 20.10: one LABEL step per --label, sorted, words not expanded.
  assert.match(built.out, /Step 5\/6 : LABEL com\.example\.a=\$HOME\n[\s\S]*Step 6\/6 : LABEL com\.example\.b=2\n/);
  assert.equal(await inspect(d, 'sweep-app:v1', '{{index .Config.Labels "com.example.a"}}'), '$HOME');
  assert.equal(await inspect(d, 'sweep-app:v1', '{{index .Config.Labels "stage"}}'), 'one');

  // Removing other's image prunes its parents up to the one app's image still needs, quietly.
  const down = await up(d, proj, ['down', '-v', '--rmi', 'local']);
  assert.doesNotMatch(down.err, /Failed to remove image/);
  assert.match(down.err, /Removing image sweep_other/);
  assert.notEqual((await ok(d, ['images', '-q', 'sweep-app:v1'])).trim(), '');
  assert.equal((await ok(d, ['images', '-q', 'sweep_other'])).trim(), '');

  // A layer's size counts its symlinks' targets (dockerd's directory.Size): 5 + 3 bytes.
  const root = join(d.dir, 'root');
  mkdirSync(root);
  writeFileSync(join(root, 'f'), 'hello');
  symlinkSync('abc', join(root, 'l'));
  const tarred = await new Promise<number>((resolve) => spawn('tar', ['-C', root, '-cf', join(d.dir, 'root.tar'), 'f', 'l']).on('close', resolve));
  assert.equal(tarred, 0);
  await ok(d, ['import', join(d.dir, 'root.tar'), 'sweep-size']);
  assert.equal(await inspect(d, 'sweep-size', '{{.Size}}'), '8');

  // A mac_address Go cannot parse fails the start in Go's words, a 500 as dockerd's.
  const bad = await d.client().createContainer({ Image: 'busybox', Cmd: ['true'], MacAddress: 'zz:1', name: 'sweep-mac' } as never);
  await assert.rejects(bad.start(), (err: Json) => err.statusCode === 500 && /address zz:1: invalid MAC address/.test(err.message));
  await bad.remove({ force: true });
});
