import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { absolutePath, goBase } from '../../src/jobs/containers/archive-path.js';
import { goTimeNs } from '../../src/jobs/containers/archive-stat.js';
import { mergeCommitConfig } from '../../src/jobs/containers/commit-config.js';
import { DOCKER_CLI_20, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { busyboxImage, packTar } from '../helpers/fixtures.js';
import { ok, fails, daemonWithBusybox as setup } from '../helpers/cli.js';

/**
 * The container filesystem through the real docker CLI and the raw API: `docker cp`
 * both ways (stat header, renames, `/.` contents, errors in dockerd's words),
 * `docker diff`, `docker export`, `docker commit` (config, history, tag, events),
 * hostile archives that try to write outside the rootfs, and a commit of a running
 * container whose image is then run.
 */

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One raw API call on the daemon's socket. */
function api(d: TestDaemon, method: string, path: string, body?: Buffer, contentType = 'application/x-tar'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: d.socket, method, path, headers: body ? { 'Content-Type': contentType, 'Content-Length': body.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const message = (r: Reply): string => (JSON.parse(r.body.toString()) as { message: string }).message;

type Entry = Partial<tar.Header> & { name: string; body?: string };

/** A tar written with tar-stream, as a hostile client would send it. */
function makeTar(entries: Entry[]): Promise<Buffer> {
  return packTar((pack) => {
    for (const { body, ...h } of entries) {
      if (body === undefined) pack.entry(h);
      else pack.entry(h, body);
    }
  });
}

/** Entry names and bodies of a tar. */
type TarItem = { type: string; body: string; linkname: string | null | undefined; uid: number | undefined; owner: string };

async function readTar(buf: Buffer): Promise<Map<string, TarItem>> {
  const out = new Map<string, TarItem>();
  const ex = tar.extract();
  const done = new Promise<void>((res, rej) => { ex.on('finish', () => res()); ex.on('error', rej); });
  ex.on('entry', (h, stream, next) => {
    const parts: Buffer[] = [];
    stream.on('data', (c: unknown) => { parts.push(c as Buffer); });
    stream.on('end', () => { out.set(h.name, { type: h.type ?? 'file', body: Buffer.concat(parts).toString(), linkname: h.linkname, uid: h.uid, owner: `${h.uname ?? ''}/${h.gname ?? ''}` }); next(); });
  });
  ex.end(buf);
  await done;
  return out;
}

test('cp paths and commit config merging, as dockerd spells them', () => {
  // PreserveTrailingDotOrSeparator: `/` asks to follow, `/.` asks for the contents.
  assert.deepEqual(['tmp', '/tmp/', '/tmp/.', '.', '/', '//a/../b/./', 'a/.'].map(absolutePath), ['/tmp', '/tmp/', '/tmp/.', '/.', '/', '/b/./', '/a/.']);
  assert.deepEqual(['/tmp/', '/', '/tmp/.', 'x'].map(goBase), ['tmp', '/', '.', 'x']);
  assert.equal(goTimeNs(1_700_000_000_120_000_000n), '2023-11-14T22:13:20.12Z');
  assert.equal(goTimeNs(1_700_000_000_000_000_000n), '2023-11-14T22:13:20Z');

  const base = { Env: ['A=1', 'B=2'], Cmd: ['sh'], Entrypoint: null, Labels: { l: 'base' }, User: 'u', WorkingDir: '/w', ExposedPorts: { '80/tcp': {} } };
  const merged = mergeCommitConfig({ Env: ['B=3'], Labels: { m: 'x' }, ExposedPorts: { '81/tcp': {} } }, base);
  assert.deepEqual(merged.Env, ['B=3', 'A=1']);
  assert.deepEqual(merged.Labels, { l: 'base', m: 'x' });
  assert.deepEqual(Object.keys(merged.ExposedPorts ?? {}).sort(), ['80/tcp', '81/tcp']);
  assert.deepEqual([merged.Cmd, merged.User, merged.WorkingDir], [['sh'], 'u', '/w']);
  // An entrypoint of the user's keeps the container's Cmd out; an empty one inherits neither.
  assert.equal(mergeCommitConfig({ Entrypoint: ['/e'] }, base).Cmd, undefined);
  assert.deepEqual(mergeCommitConfig({ Entrypoint: [] }, { ...base, Entrypoint: ['/x'] }).Entrypoint, []);
  assert.deepEqual(mergeCommitConfig({}, base).Labels, { l: 'base' });
});

const stat = (r: Reply): Record<string, unknown> =>
  JSON.parse(Buffer.from(String(r.headers['x-docker-container-path-stat']), 'base64').toString()) as Record<string, unknown>;

test('docker cp both ways, the path stat, docker diff and export on a created container', { timeout: 120_000 }, async (t) => {
  const d = await setup(t);
  const local = tempDir(t);
  writeFileSync(join(local, 'hello.txt'), 'hello\n');
  mkdirSync(join(local, 'tree', 'sub'), { recursive: true });
  writeFileSync(join(local, 'tree', 'sub', 'leaf'), 'leaf\n');

  const id = (await ok(d, ['create', '--name', 'files', 'busybox'])).trim();
  await ok(d, ['cp', join(local, 'hello.txt'), 'files:/tmp/']);
  await ok(d, ['cp', join(local, 'hello.txt'), 'files:/tmp/renamed.txt']);
  await ok(d, ['cp', join(local, 'tree'), 'files:/opt'], DOCKER_CLI_20);

  // Out again, to a file, to stdout as a tar, a directory's contents with `/.`.
  await ok(d, ['cp', 'files:/tmp/renamed.txt', join(local, 'back.txt')]);
  assert.equal(readFileSync(join(local, 'back.txt'), 'utf8'), 'hello\n');
  await ok(d, ['cp', 'files:/opt/.', join(local, 'opt-contents')]);
  assert.equal(readFileSync(join(local, 'opt-contents', 'sub', 'leaf'), 'utf8'), 'leaf\n');

  // The stat header: a symlink names itself and says where it leads in the container.
  const sh = await api(d, 'HEAD', '/containers/files/archive?path=/bin/sh');
  assert.equal(sh.status, 200);
  assert.deepEqual(stat(sh), { name: 'sh', size: 7, mode: 0x8000000 + 0o777, mtime: '2026-01-01T00:00:00Z', linkTarget: '/bin/busybox' });
  const tmp = stat(await api(d, 'HEAD', '/containers/files/archive?path=/tmp/'));
  assert.equal(tmp['name'], 'tmp');
  assert.equal(tmp['mode'], 2 ** 31 + 2 ** 20 + 0o777, 'a directory with the sticky bit, as Go FileMode');

  // GET: a tar named after the path as given; `/etc/.` gives the contents as `./`.
  const shTar = await api(d, 'GET', '/containers/files/archive?path=/bin/sh');
  assert.equal(shTar.headers['content-type'], 'application/x-tar');
  assert.deepEqual([...(await readTar(shTar.body))].map(([n, e]) => [n, e.type, e.linkname]), [['sh', 'symlink', 'busybox']]);
  const etc = await readTar((await api(d, 'GET', '/containers/files/archive?path=/etc/.')).body);
  assert.equal(etc.get('./passwd')?.body.startsWith('root:x:0:0'), true);
  // Owners are named as the container's own passwd and group files name them, as in
  // dockerd's tars (written chrooted in the container); an id they lack has no name.
  assert.equal(etc.get('./passwd')?.owner, 'root/root');
  assert.ok(etc.has('./'));
  const opt = await readTar((await api(d, 'GET', '/containers/files/archive?path=/opt')).body);
  assert.deepEqual([...opt.keys()], ['opt/', 'opt/sub/', 'opt/sub/leaf']);

  // The copy call of API < 1.24: symlinks followed, a directory as its contents; gone from 1.24.
  const legacy = (resource: string, v: string) => api(d, 'POST', `/v${v}/containers/files/copy`, Buffer.from(JSON.stringify({ Resource: resource })), 'application/json');
  assert.deepEqual([...(await readTar((await legacy('/bin/sh', '1.23')).body)).keys()], ['busybox']);
  assert.ok((await readTar((await legacy('/etc/', '1.23')).body)).has('passwd'));
  assert.equal((await legacy('/etc', '1.24')).status, 404);

  // Errors in dockerd's words.
  const missing = await api(d, 'GET', '/containers/files/archive?path=/nope');
  assert.equal(missing.status, 404);
  assert.equal(message(missing), 'Could not find the file /nope in container files');
  assert.equal((await api(d, 'HEAD', '/containers/files/archive?path=/nope')).status, 404);
  assert.equal(message(await api(d, 'GET', '/containers/files/archive')), 'bad parameter: pathcannot be empty');
  assert.match(await fails(d, ['cp', 'files:/nope', local]), /Could not find the file \/nope in container files/);
  assert.match(await fails(d, ['cp', 'nosuch:/etc', local]), /No such container: nosuch/);
  const one = await makeTar([{ name: 'x', body: 'x' }]);
  const notDir = await api(d, 'PUT', '/containers/files/archive?path=/etc/passwd', one);
  assert.deepEqual([notDir.status, message(notDir)], [500, 'extraction point is not a directory']);
  const noDest = await api(d, 'PUT', '/containers/files/archive?path=/nope', one);
  assert.deepEqual([noDest.status, message(noDest)], [404, 'Could not find the file /nope in container files']);
  await ok(d, ['create', '--name', 'ro', '--read-only', 'busybox']);
  assert.match(await fails(d, ['cp', join(local, 'hello.txt'), 'ro:/tmp/']), /container rootfs is marked read-only/);
  // The CLI refuses to replace a directory by a file (noOverwriteDirNonDir).
  const clash = await api(d, 'PUT', '/containers/files/archive?path=/&noOverwriteDirNonDir=true', await makeTar([{ name: 'opt', body: 'file' }]));
  assert.deepEqual([clash.status, message(clash)], [500, 'cannot overwrite directory "/opt" with non-directory "/"']);

  // diff: the container's own changes, never the init layer's stubs.
  assert.deepEqual((await ok(d, ['diff', 'files'])).trim().split('\n'), [
    'A /opt', 'A /opt/sub', 'A /opt/sub/leaf', 'C /tmp', 'A /tmp/hello.txt', 'A /tmp/renamed.txt',
  ]);
  const fresh = await api(d, 'GET', `/containers/${(await ok(d, ['create', 'busybox'])).trim()}/changes`);
  assert.equal(fresh.body.toString().trim(), 'null', 'nothing changed: null, as dockerd');

  // export: the whole merged rootfs, names relative.
  const exported = tempDir(t);
  await ok(d, ['export', '-o', join(exported, 'files.tar'), 'files']);
  const all = await readTar(readFileSync(join(exported, 'files.tar')));
  for (const n of ['.dockerenv', 'bin/', 'bin/busybox', 'etc/passwd', 'tmp/hello.txt', 'opt/sub/leaf']) assert.ok(all.has(n), n);
  assert.equal(all.get('bin/sh')?.linkname, 'busybox');

  // A gzipped archive is taken too, as dockerd's Untar takes it.
  const zipped = await api(d, 'PUT', '/containers/files/archive?path=/tmp', gzipSync(await makeTar([{ name: 'zipped', body: 'z' }])));
  assert.equal(zipped.status, 200, zipped.body.toString());
  assert.equal((await readTar((await api(d, 'GET', '/containers/files/archive?path=/tmp/zipped')).body)).get('zipped')?.body, 'z');

  // cp -a: the files take the container user's ids (from the container's /etc/passwd).
  await ok(d, ['create', '--name', 'asuser', '--user', 'nobody', 'busybox']);
  const owned = await api(d, 'PUT', '/containers/asuser/archive?path=/tmp&copyUIDGID=true', await makeTar([{ name: 'mine', body: 'x', uid: 4242, gid: 4242 }]));
  assert.equal(owned.status, 200, owned.body.toString());
  const got = await readTar((await api(d, 'GET', '/containers/asuser/archive?path=/tmp/mine')).body);
  assert.equal(got.get('mine')?.uid, 65534);
  assert.equal(got.get('mine')?.owner, 'nobody/nobody');
  const keep = await api(d, 'PUT', '/containers/asuser/archive?path=/tmp', await makeTar([{ name: 'theirs', body: 'x', uid: 4242, gid: 4242 }]));
  assert.equal(keep.status, 200);
  const theirs = (await readTar((await api(d, 'GET', '/containers/asuser/archive?path=/tmp/theirs')).body)).get('theirs');
  assert.deepEqual([theirs?.uid, theirs?.owner], [4242, '/']);
  assert.ok(id);
});

test('hostile archives and symlinks never reach outside the rootfs', { timeout: 120_000 }, async (t) => {
  const d = await setup(t);
  const outside = tempDir(t);
  const up = '../'.repeat(30);
  await ok(d, ['create', '--name', 'hostile', 'busybox']);
  const put = (path: string, entries: Entry[]) => makeTar(entries).then((b) => api(d, 'PUT', `/containers/hostile/archive?path=${encodeURIComponent(path)}&noOverwriteDirNonDir=true`, b));

  // Accepted, but confined: `..` stops at the container's root, absolute names and
  // symlinks to `/` resolve inside it.
  for (const entries of [
    [{ name: `${up}tmp${outside}/dotdot`, body: 'x' }],
    [{ name: `${outside}/abs`, body: 'x' }],
    [{ name: 'evil', type: 'symlink' as const, linkname: '/' }, { name: `evil${outside}/linkroot`, body: 'x' }],
  ]) {
    const r = await put('/tmp', entries);
    assert.equal(r.status, 200, r.body.toString());
  }
  // Refused as dockerd refuses them.
  const escapes: [Entry[], string][] = [
    [[{ name: `${up}etc/x`, body: 'x' }], `"${up}etc/x" is outside of "/tmp"`],
    [[{ name: 'out', type: 'symlink', linkname: up }], `invalid symlink "/tmp/out" -> "${up}"`],
    [[{ name: 'hl', type: 'link', linkname: `${up}etc/passwd` }], `invalid hardlink "/etc/passwd" -> "${up}etc/passwd"`],
  ];
  for (const [entries, msg] of escapes) {
    const r = await put('/tmp', entries);
    assert.deepEqual([r.status, message(r)], [500, msg]);
  }
  // A symlink already in the rootfs (made by an earlier copy) is followed inside it,
  // as the destination and in the archive's names.
  assert.equal((await put('/', [{ name: 'hostroot', type: 'symlink', linkname: '/' }])).status, 200);
  assert.equal((await put('/', [{ name: `hostroot${outside}/existing`, body: 'x' }])).status, 200);
  assert.equal((await put(`/hostroot${outside}`, [{ name: 'viadest', body: 'x' }])).status, 200);
  assert.equal((await put('/hostroot/etc', [{ name: 'viadest-etc', body: 'x' }])).status, 200);

  assert.deepEqual(readdirSync(outside), [], 'nothing was written outside the rootfs');
  assert.equal(existsSync('/etc/viadest-etc'), false);
  const diff = (await ok(d, ['diff', 'hostile'])).trim().split('\n');
  for (const p of [`/tmp${outside}/dotdot`, `/tmp${outside}/abs`, `${outside}/linkroot`, `${outside}/existing`, `${outside}/viadest`, '/etc/viadest-etc']) {
    assert.ok(diff.includes(`A ${p}`), `${p} in ${diff.join(', ')}`);
  }

  // Reading through the rootfs's symlinks stays inside too: this is busybox's passwd.
  const passwd = await readTar((await api(d, 'GET', '/containers/hostile/archive?path=/hostroot/etc/passwd')).body);
  const inside = await readTar((await api(d, 'GET', '/containers/hostile/archive?path=/etc/passwd')).body);
  assert.equal(passwd.get('passwd')?.body, inside.get('passwd')?.body);
  assert.notEqual(passwd.get('passwd')?.body, readFileSync('/etc/passwd', 'utf8'));
  const linkStat = stat(await api(d, 'HEAD', '/containers/hostile/archive?path=/hostroot'));
  assert.equal(linkStat['linkTarget'], '/');
});

test('docker commit: config, changes, history, tag and events as dockerd', { timeout: 120_000 }, async (t) => {
  const d = await setup(t);
  const local = tempDir(t);
  writeFileSync(join(local, 'app.sh'), 'echo app\n');
  const cid = (await ok(d, ['create', '--name', 'src', '-e', 'KEEP=1', 'busybox', 'sh', '/app.sh'])).trim();
  await ok(d, ['cp', join(local, 'app.sh'), 'src:/app.sh']);
  const since = Math.floor(Date.now() / 1000);

  const id = (await ok(d, ['commit', '-a', 'me', '-m', 'msg', '-c', 'ENV A=b', '-c', 'LABEL x=y', '-c', 'EXPOSE 8080', 'src', 'committed:v1'])).trim();
  assert.match(id, /^sha256:[a-f0-9]{64}$/);
  const img = JSON.parse(await ok(d, ['image', 'inspect', 'committed:v1']))[0];
  assert.equal(img.Id, id);
  assert.equal(img.Container, cid);
  assert.equal(img.Author, 'me');
  assert.equal(img.Comment, 'msg');
  assert.equal(img.Parent, (await busyboxImage()).id);
  assert.deepEqual(img.Config.Env, ['KEEP=1', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'A=b']);
  assert.deepEqual(img.Config.Cmd, ['sh', '/app.sh']);
  assert.deepEqual(img.Config.Labels, { x: 'y' });
  assert.deepEqual(img.Config.ExposedPorts, { '8080/tcp': {} });
  assert.deepEqual(img.ContainerConfig.Env, ['KEEP=1', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
  assert.deepEqual(img.ContainerConfig.Labels, {});
  assert.equal(img.RootFS.Layers.length, 2);
  const history = (await ok(d, ['history', '--no-trunc', '--format', '{{.CreatedBy}}|{{.Comment}}', 'committed:v1'])).trim().split('\n');
  assert.deepEqual(history, ['sh /app.sh|msg', 'ADD busybox-static /bin/busybox|']);

  // The committed layer holds the container's changes and nothing of the init layer.
  const layer = await readTar((await api(d, 'GET', `/containers/${(await ok(d, ['create', 'committed:v1'])).trim()}/archive?path=/app.sh`)).body);
  assert.equal(layer.get('app.sh')?.body, 'echo app\n');

  // Nothing changed: an empty layer, recorded in the history only.
  const same = (await ok(d, ['commit', (await ok(d, ['create', 'busybox'])).trim()])).trim();
  const emptyImg = JSON.parse(await ok(d, ['image', 'inspect', same]))[0];
  assert.equal(emptyImg.RootFS.Layers.length, 1);
  assert.match(await ok(d, ['history', '--format', '{{.Size}}', same]), /^0B\n/);

  // A body config replaces the container's, whose unset fields still fill in.
  const withBody = await api(d, 'POST', '/commit?container=src&repo=frombody', Buffer.from(JSON.stringify({ Cmd: ['echo', 'body'] })), 'application/json');
  assert.equal(withBody.status, 201, withBody.body.toString());
  const bodyImg = JSON.parse(await ok(d, ['image', 'inspect', 'frombody']))[0];
  assert.deepEqual(bodyImg.Config.Cmd, ['echo', 'body']);
  assert.deepEqual(bodyImg.Config.Env, img.ContainerConfig.Env);

  // Refusals: a bad change, a bad reference, an unknown container.
  assert.match(await fails(d, ['commit', '-c', 'RUN true', 'src']), /run is not a valid change command/);
  const badRef = await api(d, 'POST', '/commit?container=src&repo=Bad', undefined);
  assert.deepEqual([badRef.status, message(badRef)], [400, 'invalid reference format: repository name must be lowercase']);
  assert.match(await fails(d, ['commit', 'nosuch']), /No such container: nosuch/);

  // Events: the tag, then the container's commit with the image's ID and reference.
  const events = (await ok(d, ['events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1), '--format', '{{json .}}']))
    .trim().split('\n').map((l) => JSON.parse(l) as { Type: string; Action: string; Actor: { Attributes: Record<string, string> } });
  const first = events.filter((e) => e.Action === 'tag' || e.Action === 'commit').slice(0, 2);
  assert.deepEqual(first.map((e) => `${e.Type} ${e.Action}`), ['image tag', 'container commit']);
  assert.deepEqual(first[1]!.Actor.Attributes, { comment: 'msg', image: 'busybox', imageID: id, imageRef: 'committed:v1', name: 'src' });
});

test('commit a running container, then run the committed image', { timeout: 120_000 }, async (t) => {
  const d = await setup(t);
  await ok(d, ['run', '-d', '--name', 'live', '--network', 'none', 'busybox', 'sh', '-c', 'echo made > /tmp/made; sleep 300']);
  // Wait for the file: the process writes it once it runs.
  for (let i = 0; i < 100; i++) {
    if ((await api(d, 'HEAD', '/containers/live/archive?path=/tmp/made')).status === 200) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const local = tempDir(t);
  writeFileSync(join(local, 'in.txt'), 'into a running container\n');
  await ok(d, ['cp', join(local, 'in.txt'), 'live:/tmp/in.txt']);

  const since = Math.floor(Date.now() / 1000);
  await ok(d, ['commit', '-c', 'CMD ["cat", "/tmp/made", "/tmp/in.txt"]', 'live', 'fromlive']);
  assert.equal((await ok(d, ['inspect', '-f', '{{.State.Status}}', 'live'])).trim(), 'running', 'paused for the commit only');
  const actions = (await ok(d, ['events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', 'container=live', '--format', '{{.Action}}']))
    .trim().split('\n').filter((a) => ['pause', 'commit', 'unpause'].includes(a));
  assert.deepEqual(actions, ['pause', 'commit', 'unpause']);

  assert.equal(await ok(d, ['run', '--rm', '--network', 'none', 'fromlive']), 'made\ninto a running container\n');
  // cp out of the running container works as well.
  await ok(d, ['cp', 'live:/tmp/made', join(local, 'made')]);
  assert.equal(readFileSync(join(local, 'made'), 'utf8'), 'made\n');
  await ok(d, ['rm', '-f', 'live']);
});

test('docker cp sees volumes, binds and the network files, read-only ones refused, whether the container runs or not', { timeout: 120_000 }, async (t) => {
  const d = await setup(t);
  const bindSrc = tempDir(t);
  writeFileSync(join(bindSrc, 'from-host'), 'host\n');
  const local = tempDir(t);
  writeFileSync(join(local, 'f'), 'copied\n');
  await ok(d, ['create', '--name', 'vols', '--read-only', '-v', 'vol1:/data', '-v', `${bindSrc}:/bind:ro`, 'busybox']);
  const mountsBefore = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(d.dir)).length;

  // Into the volume (a read-only rootfs does not matter there), out of the bind.
  await ok(d, ['cp', join(local, 'f'), 'vols:/data/f']);
  assert.equal((await ok(d, ['run', '--rm', '--network', 'none', '-v', 'vol1:/v', 'busybox', 'cat', '/v/f'])), 'copied\n');
  await ok(d, ['cp', 'vols:/bind/from-host', join(local, 'back')]);
  assert.equal(readFileSync(join(local, 'back'), 'utf8'), 'host\n');
  assert.match(await fails(d, ['cp', join(local, 'f'), 'vols:/bind/']), /mounted volume is marked read-only/);
  assert.match(await fails(d, ['cp', join(local, 'f'), 'vols:/tmp/']), /container rootfs is marked read-only/);
  assert.deepEqual(readdirSync(bindSrc), ['from-host']);

  // A running container: the copy reaches the volume its process sees.
  await ok(d, ['run', '-d', '--name', 'vrun', '--network', 'none', '-v', 'vol2:/data', 'busybox', 'sleep', '300']);
  writeFileSync(join(local, 'g'), 'while running\n');
  await ok(d, ['cp', join(local, 'g'), 'vrun:/data/']);
  assert.equal(await ok(d, ['run', '--rm', '--network', 'none', '-v', 'vol2:/v', 'busybox', 'cat', '/v/g']), 'while running\n');
  await ok(d, ['rm', '-f', 'vrun']);

  // The container's own /etc/hostname and /etc/hosts, not the image's stubs (dockerd's NetworkMounts).
  await ok(d, ['run', '-d', '--name', 'named', '--hostname', 'cp-host', '--network', 'none', 'busybox', 'sleep', '300']);
  await ok(d, ['cp', 'named:/etc/hostname', join(local, 'hostname')]);
  assert.equal(readFileSync(join(local, 'hostname'), 'utf8'), 'cp-host\n');
  await ok(d, ['cp', 'named:/etc/hosts', join(local, 'hosts')]);
  assert.match(readFileSync(join(local, 'hosts'), 'utf8'), /^127\.0\.0\.1\tlocalhost$/m);
  await ok(d, ['rm', '-f', 'named']);

  const mountsAfter = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(d.dir)).length;
  assert.equal(mountsAfter, mountsBefore, 'the copies left no mount behind');
});
