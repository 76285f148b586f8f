import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, tempDir } from '../helpers/daemon.js';
import { busyboxImage } from '../helpers/fixtures.js';
import { ok, fails } from '../helpers/cli.js';

/**
 * Volumes through the real docker CLI, as dockerd 20.10 answers: the volume
 * commands and their errors, and the mounts a container gets at create (-v,
 * --mount, --tmpfs, the image's VOLUMEs) as inspect and ps show them. Nothing is
 * started here; run.test.ts covers what a running container sees.
 */

const lines = (s: string) => s.split('\n').filter(Boolean);

test('volume create, ls, inspect, rm and prune', { timeout: 120_000 }, async (t: TestContext) => {
  const d = await startDaemon(t);
  const data = join(d.dir, 'data');

  const anon = (await ok(d, ['volume', 'create'])).trim();
  assert.match(anon, /^[a-f0-9]{64}$/);
  assert.equal(await ok(d, ['volume', 'create', 'v1']), 'v1\n');
  assert.equal(await ok(d, ['volume', 'create', 'v1']), 'v1\n', 'an existing volume is returned');
  await ok(d, ['volume', 'create', '--label', 'a=b', '--label', 'c', 'v2']);

  const v2 = JSON.parse(await ok(d, ['volume', 'inspect', 'v2']))[0];
  assert.deepEqual(Object.keys(v2), ['CreatedAt', 'Driver', 'Labels', 'Mountpoint', 'Name', 'Options', 'Scope']);
  assert.equal(v2.Driver, 'local');
  assert.deepEqual(v2.Labels, { a: 'b', c: '' });
  assert.equal(v2.Mountpoint, join(data, 'volumes/v2/_data'));
  assert.equal(v2.Options, null);
  assert.equal(v2.Scope, 'local');
  assert.match(v2.CreatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.ok(existsSync(v2.Mountpoint));
  assert.equal(JSON.parse(await ok(d, ['volume', 'inspect', 'v1']))[0].Labels, null);

  // ls and its filters.
  assert.deepEqual(lines(await ok(d, ['volume', 'ls', '-q'])).sort(), [anon, 'v1', 'v2'].sort());
  assert.match(await ok(d, ['volume', 'ls']), /DRIVER\s+VOLUME NAME\nlocal\s+\w+/);
  assert.deepEqual(lines(await ok(d, ['volume', 'ls', '-q', '--filter', 'name=v'])).sort(), ['v1', 'v2']);
  assert.deepEqual(lines(await ok(d, ['volume', 'ls', '-q', '--filter', 'name=^v1$'])), ['v1']);
  assert.deepEqual(lines(await ok(d, ['volume', 'ls', '-q', '--filter', 'label=a=b'])), ['v2']);
  assert.deepEqual(lines(await ok(d, ['volume', 'ls', '-q', '--filter', 'label=c'])), ['v2']);
  assert.deepEqual(lines(await ok(d, ['volume', 'ls', '-q', '--filter', 'driver=loc'])), []);
  assert.deepEqual(lines(await ok(d, ['volume', 'ls', '-q', '--filter', 'dangling=true'])).length, 3);
  assert.match(await fails(d, ['volume', 'ls', '--filter', 'dangling=maybe']), /Invalid filter 'dangling=\[maybe\]'/);
  assert.match(await fails(d, ['volume', 'ls', '--filter', 'colour=red']), /Invalid filter 'colour'/);

  // Errors in dockerd's words.
  assert.match(await fails(d, ['volume', 'create', '-d', 'nosuch', 'v3']),
    /create v3: error looking up volume plugin nosuch: plugin "nosuch" not found/);
  assert.match(await fails(d, ['volume', 'create', 'bad name']),
    /create bad name: "bad name" includes invalid characters for a local volume name, only "\[a-zA-Z0-9\]\[a-zA-Z0-9_.-\]" are allowed\. If you intended to pass a host directory, use absolute path/);
  assert.match(await fails(d, ['volume', 'create', 'a']), /create a: volume name is too short, names should be at least two alphanumeric characters/);
  assert.match(await fails(d, ['volume', 'create', '-o', 'foo=bar', 'v4']), /create v4: invalid option: "foo"/);
  assert.match(await fails(d, ['volume', 'create', '-o', 'type=tmpfs', 'v4']), /create v4: missing required option: "device"/);
  assert.match(await fails(d, ['volume', 'inspect', 'nosuch']), /get nosuch: no such volume/);
  assert.match(await fails(d, ['volume', 'rm', 'nosuch']), /get nosuch: no such volume/);
  await ok(d, ['volume', 'rm', '-f', 'nosuch']);

  // rm, then prune takes every unused volume (dockerd 20.10: named ones too), with label filters.
  writeFileSync(join(data, 'volumes/v1/_data/blob'), Buffer.alloc(3000));
  await ok(d, ['volume', 'rm', anon]);
  assert.ok(!existsSync(join(data, 'volumes', anon)));
  assert.match(await ok(d, ['volume', 'prune', '-f', '--filter', 'label=a=b']), /Deleted Volumes:\nv2\n/);
  const pruned = await ok(d, ['volume', 'prune', '-f']);
  assert.match(pruned, /Deleted Volumes:\nv1\n\nTotal reclaimed space: 3kB/);
  assert.deepEqual(lines(await ok(d, ['volume', 'ls', '-q'])), []);
});

test('container mounts: -v, --mount, --tmpfs and image VOLUMEs at create', { timeout: 120_000 }, async (t: TestContext) => {
  const d = await startDaemon(t);
  await ok(d, ['load', '-i', (await busyboxImage()).path]);
  const host = tempDir(t);
  const data = join(d.dir, 'data');

  // Validation, as dockerd 20.10 words it.
  const bad: [string[], RegExp][] = [
    [['--mount', 'type=bind,source=/nope-berth,target=/x'], /invalid mount config for type "bind": bind source path does not exist: \/nope-berth/],
    [['-v', `${host}:/data`, '-v', 'v1:/data'], /Duplicate mount point: \/data/],
    [['-v', `${host}:/data`, '--mount', 'type=volume,source=v1,target=/data'], /Duplicate mount point: \/data/],
    [['-v', 'v1:/data', '--tmpfs', '/data'], /Duplicate mount point: \/data/],
    [['-v', 'v1:/data:xx'], /invalid mode: xx/],
    [['-v', 'v1:data'], /invalid volume specification: 'v1:data': invalid mount config for type "volume": invalid mount path: 'data' mount path must be absolute/],
    [['-v', 'v1:/'], /invalid volume specification: 'v1:\/': invalid mount config for type "volume": invalid specification: destination can't be '\/'/],
    [['-v', '/data:ro'], /invalid volume specification: '\/data:ro'/],
    [['-v', 'v1:/data:shared'], /invalid volume specification: 'v1:\/data:shared': invalid mount config for type "volume": field BindOptions must not be specified/],
    [['-v', 'bad name:/data'], /create bad name: "bad name" includes invalid characters for a local volume name/],
    [['--mount', 'type=volume,target=/data,readonly'], /invalid mount config for type "volume": must not set ReadOnly mode when using anonymous volumes/],
    [['--mount', 'type=bind,source=relative,target=/x'], /invalid mount config for type "bind": invalid mount path: 'relative' mount path must be absolute/],
    [['--mount', 'type=tmpfs,source=foo,target=/x'], /invalid mount config for type "tmpfs": field Source must not be specified/],
    [['--mount', 'type=bind,target=/x'], /invalid mount config for type "bind": field Source must not be empty/],
    [['--mount', `type=bind,source=${host},target=/x,bind-propagation=weird`], /invalid mount config for type "bind": invalid propagation mode: weird/],
    [['--tmpfs', 'relative'], /invalid mount path: 'relative' mount path must be absolute/],
    [['--tmpfs', '/'], /invalid specification: destination can't be '\/'/],
  ];
  for (const [flags, message] of bad) {
    assert.match(await fails(d, ['create', ...flags, 'busybox']), message, flags.join(' '));
  }
  assert.deepEqual(lines(await ok(d, ['ps', '-aq'])), [], 'nothing was created');
  assert.deepEqual(lines(await ok(d, ['volume', 'ls', '-q'])), [], 'duplicates are found before any volume is made');

  // Every kind of mount, as inspect shows it.
  mkdirSync(join(host, 'sub'));
  const id = (await ok(d, ['create',
    '-v', `${host}:/h1`, '-v', `${host}/sub:/h2:ro,rslave`, '-v', 'v1:/n1', '-v', 'v2:/n2:ro,nocopy', '-v', '/anon',
    '--mount', 'type=volume,source=m1,target=/m1', '--mount', 'type=volume,target=/m2',
    '--mount', `type=bind,source=${host},target=/b1,readonly`, '--mount', 'type=tmpfs,target=/t1,tmpfs-size=1m',
    '--tmpfs', '/t2:size=2m', 'busybox'])).trim();
  const mounts = JSON.parse(await ok(d, ['inspect', '--format', '{{json .Mounts}}', id])) as Record<string, unknown>[];
  const byDest = Object.fromEntries(mounts.map((m) => [m.Destination, m]));
  assert.deepEqual(Object.keys(byDest).sort(), ['/anon', '/b1', '/h1', '/h2', '/m1', '/m2', '/n1', '/n2', '/t1']);
  assert.deepEqual(byDest['/h1'], { Type: 'bind', Source: host, Destination: '/h1', Mode: '', RW: true, Propagation: 'rprivate' });
  assert.deepEqual(byDest['/h2'], { Type: 'bind', Source: `${host}/sub`, Destination: '/h2', Mode: 'ro,rslave', RW: false, Propagation: 'rslave' });
  assert.deepEqual(byDest['/b1'], { Type: 'bind', Source: host, Destination: '/b1', Mode: '', RW: false, Propagation: 'rprivate' });
  assert.deepEqual(byDest['/n1'], {
    Type: 'volume', Name: 'v1', Source: join(data, 'volumes/v1/_data'), Destination: '/n1', Driver: 'local', Mode: 'z', RW: true, Propagation: '',
  });
  assert.deepEqual(byDest['/n2'], {
    Type: 'volume', Name: 'v2', Source: join(data, 'volumes/v2/_data'), Destination: '/n2', Driver: 'local', Mode: 'ro,nocopy', RW: false, Propagation: '',
  });
  assert.equal((byDest['/m1'] as { Mode: string }).Mode, 'z');
  const m2 = byDest['/m2'] as { Name: string; Mode: string };
  const anonVol = byDest['/anon'] as { Name: string; Mode: string };
  assert.match(m2.Name, /^[a-f0-9]{64}$/);
  assert.equal(m2.Mode, 'z');
  assert.match(anonVol.Name, /^[a-f0-9]{64}$/);
  assert.equal(anonVol.Mode, '', 'a VOLUME keeps an empty mode');
  assert.deepEqual(byDest['/t1'], { Type: 'tmpfs', Source: '', Destination: '/t1', Mode: '', RW: true, Propagation: '' });
  // ps shows the same list (by name for volumes, source for binds).
  const ps = lines(await ok(d, ['ps', '-a', '--no-trunc', '--format', '{{.Mounts}}']))[0]!;
  for (const word of ['v1', 'v2', 'm1', host]) assert.ok(ps.includes(word), `${word} in ps Mounts: ${ps}`);

  // ps --filter volume: by volume name, destination or bind source.
  for (const v of ['v1', '/m1', host]) assert.deepEqual(lines(await ok(d, ['ps', '-aq', '--no-trunc', '--filter', `volume=${v}`])), [id], v);
  assert.deepEqual(lines(await ok(d, ['ps', '-aq', '--filter', 'volume=nothing'])), []);

  // Volumes in use: rm refused with dockerd's 409 (even -f); ls dangling; prune keeps them.
  assert.match(await fails(d, ['volume', 'rm', 'v1']), new RegExp(`remove v1: volume is in use - \\[${id}\\]`));
  assert.match(await fails(d, ['volume', 'rm', '-f', 'v1']), /volume is in use/);
  const id2 = (await ok(d, ['create', '-v', 'v1:/again', 'busybox'])).trim();
  assert.match(await fails(d, ['volume', 'rm', 'v1']), new RegExp(`volume is in use - \\[(${id}, ${id2}|${id2}, ${id})\\]`));
  assert.deepEqual(lines(await ok(d, ['volume', 'ls', '-q', '--filter', 'dangling=true'])), []);
  assert.match(await ok(d, ['volume', 'prune', '-f']), /Total reclaimed space: 0B/);
  assert.equal(lines(await ok(d, ['volume', 'ls', '-q'])).length, 5);

  // The image's VOLUME, skipped where a mount covers it.
  await ok(d, ['volume', 'create', 'seedvol']);
  const covered = (await ok(d, ['create', '-v', 'seedvol:/anon', '-v', '/anon', 'busybox'])).trim();
  assert.equal(JSON.parse(await ok(d, ['inspect', '--format', '{{json .Mounts}}', covered])).length, 1);
  await ok(d, ['rm', covered]);
  const tmpfsCovered = (await ok(d, ['create', '--tmpfs', '/data', '-v', '/data', 'busybox'])).trim();
  assert.equal(await ok(d, ['inspect', '--format', '{{json .Mounts}}', tmpfsCovered]), '[]\n');
  await ok(d, ['rm', tmpfsCovered]);

  // rm without -v keeps the anonymous volumes; rm -v removes them, never named ones.
  const keepsAnon = (await ok(d, ['create', '-v', '/keep', 'busybox'])).trim();
  const keptName = JSON.parse(await ok(d, ['inspect', '--format', '{{json .Mounts}}', keepsAnon]))[0].Name as string;
  await ok(d, ['rm', keepsAnon]);
  assert.ok(lines(await ok(d, ['volume', 'ls', '-q'])).includes(keptName));
  await ok(d, ['volume', 'rm', keptName]);
  await ok(d, ['rm', id2]);
  await ok(d, ['rm', '-v', id]);
  const left = lines(await ok(d, ['volume', 'ls', '-q'])).sort();
  assert.deepEqual(left, ['m1', 'seedvol', 'v1', 'v2']);
  assert.ok(!left.includes(m2.Name) && !left.includes(anonVol.Name));
  assert.ok(!existsSync(join(data, 'volumes', anonVol.Name)));
  for (const v of left) await ok(d, ['volume', 'rm', v]);
  assert.match(await ok(d, ['system', 'df']), /Local Volumes\s+0\s+0\s+0B/);
});

test('volumes and their users survive a daemon restart', { timeout: 120_000 }, async (t: TestContext) => {
  const d = await startDaemon(t);
  await ok(d, ['load', '-i', (await busyboxImage()).path]);
  await ok(d, ['volume', 'create', '--label', 'k=v', 'kept']);
  const id = (await ok(d, ['create', '-v', 'kept:/k', '-v', '/anon', 'busybox'])).trim();
  d.kill('SIGKILL');
  await d.exited;
  await d.restart();
  assert.deepEqual(JSON.parse(await ok(d, ['volume', 'inspect', 'kept']))[0].Labels, { k: 'v' });
  assert.match(await fails(d, ['volume', 'rm', 'kept']), new RegExp(`remove kept: volume is in use - \\[${id}\\]`));
  assert.equal(lines(await ok(d, ['volume', 'ls', '-q', '--filter', 'dangling=false'])).length, 2);
  await ok(d, ['rm', '-v', id]);
  assert.deepEqual(lines(await ok(d, ['volume', 'ls', '-q'])), ['kept']);
  await ok(d, ['volume', 'rm', 'kept']);
});
