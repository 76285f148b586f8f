import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createConnection, createServer as createNetServer } from 'node:net';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxImage } from './helpers/fixtures.js';
import { DOCKER_CLI_20, DOCKER_CLI_28, MAIN_JS, ping, runDocker, startDaemon, tempDir, waitFor } from './helpers/daemon.js';

const SOCKET_ACTIVATE = '/usr/bin/systemd-socket-activate';

// The system area through a real daemon, driven by both docker CLIs and dockerode.

const CLIS = [DOCKER_CLI_28, DOCKER_CLI_20];

/** A request on the daemon's socket (GET by default); the raw status, headers and body. */
function get(socket: string, path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, path, method, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('docker version and docker info print real figures with both CLIs', async (t) => {
  const d = await startDaemon(t);
  for (const cli of CLIS) {
    const v = await d.docker(['version'], { cli });
    assert.equal(v.code, 0, `${cli}: ${v.stderr}`);
    assert.match(v.stdout, /Server: berth/);
    assert.match(v.stdout, /API version:\s+1\.41 \(minimum version 1\.12\)/);
    assert.match(v.stdout, /Go version:\s+node\d+\./);

    const info = await d.docker(['info'], { cli });
    assert.equal(info.code, 0, `${cli}: ${info.stderr}`);
    assert.doesNotMatch(info.stdout + info.stderr, /errors pretty printing info|ERROR/);
    assert.match(info.stdout, /Server Version: 0\.1\.0/);
    assert.match(info.stdout, new RegExp(`Docker Root Dir: ${join(d.dir, 'data')}`));
    assert.match(info.stdout, /Cgroup Driver: cgroupfs/);
    assert.match(info.stdout, /Swarm: inactive/);
    // The default runtime is the name a start writes into HostConfig.Runtime (dockerd's runc).
    assert.match(info.stdout, /Default Runtime: runc\n/);
    assert.match(info.stdout, /Runtimes: .*\brunc\b/);
    assert.match(info.stdout, /Operating System: \S/);
    // The default seccomp profile every container gets, shown as dockerd shows its own.
    assert.match(info.stdout, /Security Options:\n\s+seccomp\n\s+Profile: default/);
    // The pids controller mounted (v1): dockerd says PidsLimit, whatever the root's files.
    if (existsSync('/sys/fs/cgroup/pids/cgroup.procs')) assert.equal((await d.client().info() as { PidsLimit: boolean }).PidsLimit, true);
  }
});

test('/info counts images and keeps its ID across restarts', async (t) => {
  const d = await startDaemon(t);
  const docker = d.client();
  const before = await docker.info() as Record<string, unknown>;
  assert.equal(before.Images, 0);
  assert.match(String(before.ID), /^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
  assert.equal(before.OSType, 'linux');
  assert.ok(['1', '2'].includes(String(before.CgroupVersion)));
  assert.equal(typeof before.NCPU, 'number');
  assert.ok((before.MemTotal as number) > 0);

  const img = await busyboxImage();
  const load = await d.docker(['load', '-i', img.path]);
  assert.equal(load.code, 0, load.stderr);
  const after = await docker.info() as Record<string, unknown>;
  assert.equal(after.Images, 1);

  await d.restart();
  const again = await d.client().info() as Record<string, unknown>;
  assert.equal(again.ID, before.ID, 'the daemon ID is persistent');
  assert.equal(again.Images, 1);
});

test('docker system df lists images with their sizes (both CLIs)', async (t) => {
  const d = await startDaemon(t);
  const img = await busyboxImage();
  assert.equal((await d.docker(['load', '-i', img.path])).code, 0);
  for (const cli of CLIS) {
    const r = await d.docker(['system', 'df'], { cli });
    assert.equal(r.code, 0, `${cli}: ${r.stderr}`);
    assert.match(r.stdout, /^Images\s+1\s+0\s+/m);
    const v = await d.docker(['system', 'df', '-v'], { cli });
    assert.equal(v.code, 0, `${cli}: ${v.stderr}`);
    assert.ok(v.stdout.includes(img.id.slice(7, 19)), v.stdout);
  }
  const raw = JSON.parse((await get(d.socket, '/system/df')).body);
  assert.ok(raw.LayersSize > 0);
  assert.equal(raw.Images[0].Id, img.id);
  assert.equal(raw.Images[0].Size, raw.LayersSize);
  assert.equal(raw.Images[0].Containers, 0);
});

test('docker events replays a time window and filters it (both CLIs)', async (t) => {
  const d = await startDaemon(t);
  const img = await busyboxImage();
  const since = Math.floor(Date.now() / 1000) - 1;
  assert.equal((await d.docker(['load', '-i', img.path])).code, 0);
  assert.equal((await d.docker(['tag', img.tag, 'sys/test:one'])).code, 0);
  await new Promise((r) => setTimeout(r, 1100));
  const until = Math.floor(Date.now() / 1000);
  for (const cli of CLIS) {
    const r = await d.docker(['events', '--since', String(since), '--until', String(until), '--format', '{{.Type}} {{.Action}}'], { cli, timeoutMs: 30_000 });
    assert.equal(r.code, 0, `${cli}: ${r.stderr}`);
    assert.deepEqual(r.stdout.trim().split('\n'), ['image load', 'image tag'], cli);
    const only = await d.docker(['events', '--since', String(since), '--until', String(until), '--filter', 'event=tag', '--format', '{{.Actor.Attributes.name}}'], { cli, timeoutMs: 30_000 });
    assert.equal(only.code, 0, only.stderr);
    assert.equal(only.stdout.trim(), 'sys/test:one');
  }
  const bad = await get(d.socket, `/events?since=${since}&until=${until}&filters=${encodeURIComponent('{"bogus":["x"]}')}`);
  // dockerd 20.10 never validates event filter keys: an unknown one is ignored.
  assert.equal(bad.status, 200);
});

test('dockerode: ping, version, and a live event stream that sees a tag as it happens', async (t) => {
  const d = await startDaemon(t);
  const docker = d.client();
  assert.equal(String(await docker.ping()), 'OK');
  const v = await docker.version();
  assert.equal(v.ApiVersion, '1.41');
  assert.equal(v.MinAPIVersion, '1.12');
  assert.equal(v.Os, 'linux');
  const img = await busyboxImage();
  assert.equal((await d.docker(['load', '-i', img.path])).code, 0);

  const stream = await docker.getEvents({ filters: { type: ['image'], event: ['tag'] } }) as NodeJS.ReadableStream & { destroy(): void };
  t.after(() => stream.destroy());
  const first = new Promise<Record<string, unknown>>((resolve) => {
    let buf = '';
    stream.on('data', (c: Buffer) => {
      buf += c.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)));
    });
  });
  assert.equal((await d.docker(['tag', img.tag, 'live/tag:x'])).code, 0);
  const ev = await first;
  assert.equal(ev.Type, 'image');
  assert.equal(ev.Action, 'tag');
  assert.equal((ev.Actor as { Attributes: Record<string, string> }).Attributes.name, 'live/tag:x');
  assert.equal(ev.id, img.id);
});

test('ping headers and a too-new version over the real socket', async (t) => {
  const d = await startDaemon(t);
  const ping = await get(d.socket, '/_ping');
  assert.equal(ping.headers['cache-control'], 'no-cache, no-store, must-revalidate');
  assert.equal(ping.headers['pragma'], 'no-cache');
  assert.equal(ping.headers['ostype'], 'linux');
  const tooNew = await get(d.socket, '/v1.45/version');
  assert.equal(tooNew.status, 400);
  const swarm = await d.docker(['swarm', 'leave']);
  assert.notEqual(swarm.code, 0);
  assert.match(swarm.stderr, /This node is not part of a swarm/);
  const nodes = await d.docker(['node', 'ls']);
  assert.notEqual(nodes.code, 0);
  assert.match(nodes.stderr, /This node is not a swarm manager/);
  // A route no area serves (BuildKit's session endpoint): 501 naming the call, never a bare 404.
  const pendingGrpc = await get(d.socket, '/v1.41/grpc', 'POST');
  assert.equal(pendingGrpc.status, 501);
  assert.match(pendingGrpc.body, /the gRPC build endpoint \(POST \/grpc\) is not implemented yet/);
  assert.equal((await get(d.socket, '/v1.41/no/such/route')).status, 404);
});

test('an open event stream does not hold up shutdown', async (t) => {
  const d = await startDaemon(t);
  const stream = await d.client().getEvents({}) as NodeJS.ReadableStream & { destroy(): void };
  t.after(() => stream.destroy());
  const ended = new Promise<void>((resolve) => { stream.on('end', () => resolve()); stream.on('close', () => resolve()); stream.on('error', () => resolve()); });
  (stream as unknown as { resume(): void }).resume();
  const t0 = Date.now();
  assert.equal(await d.stop(), 0);
  await ended;
  assert.ok(Date.now() - t0 < 5000, `stopped after ${Date.now() - t0}ms`);
});

test('--insecure-tcp opens plain TCP off loopback, and /info warns about it', async (t) => {
  const port = await new Promise<number>((resolve, reject) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    }).on('error', reject);
  });
  const d = await startDaemon(t, { args: ['-H', `tcp://0.0.0.0:${port}`, '--insecure-tcp'] });
  const r = await fetch(`http://127.0.0.1:${port}/_ping`);
  assert.equal(await r.text(), 'OK');
  assert.match(d.log(), /without encryption/);
  const info = await d.client().info() as { Warnings: string[] | null };
  assert.ok(info.Warnings?.some((w) => w.startsWith(`WARNING: API is accessible on http://0.0.0.0:${port} without encryption.`)), JSON.stringify(info.Warnings));
});

test('fd:// serves the sockets systemd passes in (systemd-socket-activate)', { skip: !existsSync(SOCKET_ACTIVATE) && 'systemd-socket-activate is not installed' }, async (t) => {
  const dir = tempDir(t);
  const sock = join(dir, 'activated.sock');
  const child = spawn(SOCKET_ACTIVATE, ['-l', sock, process.execPath, MAIN_JS, '-d', '-H', 'fd://',
    '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '--pidfile', join(dir, 'berth.pid')], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // systemd-socket-activate execs the daemon in place, so this pid is the daemon's.
  t.after(async () => { if (child.exitCode === null && child.signalCode === null) { child.kill('SIGKILL'); await exited; } });
  await waitFor('the activated socket', () => existsSync(sock));
  // The first connection makes systemd-socket-activate exec the daemon; wait until it answers.
  await waitFor('the daemon behind the activated socket', () => ping(sock), 20_000);
  const r = await runDocker(`unix://${sock}`, join(dir, 'cfg'), ['version', '--format', '{{.Server.APIVersion}}']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), '1.41');
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.ok(existsSync(sock), 'a socket berth did not create is left to its owner');
});

test('docker-py: ping, version, info, df, plugins, and swarm.leave(force=True) after its network tests', { skip: !hasDockerPy() && 'docker-py is not installed' }, async (t) => {
  const d = await startDaemon(t);
  const script = [
    'import docker, json, time',
    'c = docker.DockerClient(base_url="unix://" + SOCK)',
    'out = {"ping": c.ping(), "api": c.version()["ApiVersion"], "swarm": c.info()["Swarm"]["LocalNodeState"]}',
    'out["leave"] = c.swarm.leave(force=True)',
    'out["plugins"] = [p.name for p in c.plugins.list()]',
    'out["layers"] = c.df()["LayersSize"]',
    'now = int(time.time())',
    'out["events"] = list(c.events(since=now - 60, until=now, decode=True))',
    'print(json.dumps(out))',
  ].join('\n');
  const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const p = spawn('python3', ['-c', `SOCK = ${JSON.stringify(d.socket)}\n${script}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c) => { stdout += c; });
    p.stderr.on('data', (c) => { stderr += c; });
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { ping: true, api: '1.41', swarm: 'inactive', leave: true, plugins: [], layers: 0, events: [] });
});

function hasDockerPy(): boolean {
  return spawnSync('python3', ['-c', 'import docker'], { stdio: 'ignore' }).status === 0;
}

test('an Upgrade request to a route that does not hijack is refused, and the daemon serves on', async (t) => {
  const d = await startDaemon(t);
  for (const path of ['/v1.41/_ping', '/v1.41/nope']) {
    const answer = await new Promise<string>((resolve, reject) => {
      const sock = createConnection(d.socket);
      let got = '';
      sock.on('data', (c) => { got += c; });
      sock.on('error', reject);
      sock.on('close', () => resolve(got));
      sock.write(`POST ${path} HTTP/1.1\r\nHost: berth\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
    });
    assert.match(answer, /^HTTP\/1\.1 400 /);
  }
  // A client that sends the upgrade and vanishes at once.
  const gone = createConnection(d.socket);
  gone.write('POST /v1.41/containers/x/attach?stream=1 HTTP/1.1\r\nHost: berth\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
  gone.destroy();
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(await ping(d.socket), true);
});
