import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanPath, parseBind, parseMountSpec, parseVolumesFrom, readWrite, tmpfsData, validMode } from './parse.js';

test('mode words: one of each family at most, nothing unknown', () => {
  for (const m of ['', 'ro', 'rw,z', 'ro,rslave,nocopy', 'Z,delegated']) assert.ok(validMode(m), m);
  for (const m of ['xx', 'ro,rw', 'z,Z', 'shared,slave', 'ro,']) assert.ok(!validMode(m), m);
  assert.equal(readWrite('ro,z'), false);
  assert.equal(readWrite('z'), true);
  assert.equal(readWrite('bogus'), false);
});

test('-v specs become binds, named or anonymous volumes', () => {
  assert.deepEqual(parseBind('/h/:/c/:ro,rslave').mp, {
    Type: 'bind', Name: '', Source: '/h', Destination: '/c', Driver: '', Mode: 'ro,rslave', RW: false, Propagation: 'rslave',
    SpecSource: '/h/', CopyData: false,
  });
  const named = parseBind('data:/d:nocopy');
  assert.equal(named.mp.Type, 'volume');
  assert.equal(named.mp.Name, 'data');
  assert.equal(named.mp.CopyData, false);
  const anon = parseBind('/only');
  assert.equal(anon.mp.Type, 'volume');
  assert.equal(anon.mp.SpecSource, '');
  assert.equal(anon.mp.CopyData, true);
  assert.equal(parseBind('v:/d', 'other').driver, 'other');
  assert.equal(parseBind('/h:/d', 'other').driver, undefined);
});

test('-v errors in dockerd 20.10 words', () => {
  const cases: [string, string][] = [
    ['a:b:c:d', "invalid volume specification: 'a:b:c:d'"],
    [':/x', "invalid volume specification: ':/x'"],
    ['/data:ro', "invalid volume specification: '/data:ro'"],
    ['v:/d:xx', 'invalid mode: xx'],
    ['v:rel', `invalid volume specification: 'v:rel': invalid mount config for type "volume": invalid mount path: 'rel' mount path must be absolute`],
    ['v:/', `invalid volume specification: 'v:/': invalid mount config for type "volume": invalid specification: destination can't be '/'`],
    ['/h:/x:nocopy', `invalid volume specification: '/h:/x:nocopy': invalid mount config for type "bind": field VolumeOptions must not be specified`],
    ['v:/x:shared', `invalid volume specification: 'v:/x:shared': invalid mount config for type "volume": field BindOptions must not be specified`],
  ];
  for (const [spec, message] of cases) assert.throws(() => parseBind(spec), { message }, spec);
});

test('--mount objects: validation and defaults', () => {
  assert.equal(parseMountSpec({ Type: 'bind', Source: '/', Target: '/x' }).mp.Propagation, 'rprivate');
  const t = parseMountSpec({ Type: 'tmpfs', Target: '/t', ReadOnly: true, TmpfsOptions: { SizeBytes: 3 * 2 ** 20, Mode: 0o1777 } });
  assert.equal(t.mp.TmpfsData, 'ro,mode=1777,size=3m');
  const v = parseMountSpec({ Type: 'volume', Source: 'n', Target: '/v', VolumeOptions: { NoCopy: true, Labels: { a: 'b' }, DriverConfig: { Name: 'local', Options: { o: 'x' } } } });
  assert.deepEqual([v.mp.CopyData, v.labels, v.options, v.driver], [false, { a: 'b' }, { o: 'x' }, 'local']);
  const cases: [object, string][] = [
    [{ Type: 'bind', Source: '/nope-berth-test', Target: '/x' }, 'invalid mount config for type "bind": bind source path does not exist: /nope-berth-test'],
    [{ Type: 'bind', Target: '/x' }, 'invalid mount config for type "bind": field Source must not be empty'],
    [{ Type: 'volume', Source: 'n' }, 'invalid mount config for type "volume": field Target must not be empty'],
    [{ Type: 'weird', Target: '/x' }, 'invalid mount config for type "weird": mount type unknown'],
    [{ Type: 'tmpfs', Target: '/x', BindOptions: {} }, 'invalid mount config for type "tmpfs": field BindOptions must not be specified'],
  ];
  for (const [m, message] of cases) assert.throws(() => parseMountSpec(m), { message });
});

test('tmpfs sizes take the largest exact suffix; --volumes-from modes; clean paths', () => {
  assert.equal(tmpfsData({ SizeBytes: 1536 }, false), 'size=1536');
  assert.equal(tmpfsData({ SizeBytes: 2048 }, false), 'size=2k');
  assert.equal(tmpfsData({ SizeBytes: 2 ** 30 }, false), 'size=1g');
  assert.equal(tmpfsData({ SizeBytes: 1000 }, false), 'size=1000');
  assert.deepEqual(parseVolumesFrom('c1'), { id: 'c1', mode: 'rw' });
  assert.deepEqual(parseVolumesFrom('c1:ro'), { id: 'c1', mode: 'ro' });
  assert.throws(() => parseVolumesFrom('c1:rshared'), { message: 'invalid mode: rshared' });
  assert.throws(() => parseVolumesFrom(''), { message: 'volumes-from specification cannot be an empty string' });
  assert.equal(cleanPath('/a//b/../c/'), '/a/c');
  assert.equal(cleanPath('/'), '/');
});
