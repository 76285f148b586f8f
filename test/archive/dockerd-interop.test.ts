import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import tar from 'tar-stream';
import { openTar } from '../../src/graph/archive/decompress.js';
import { emptyContainerConfig } from '../../src/graph/archive/import.js';
import { applyChanges } from '../../src/graph/archive/changes.js';
import { loadArchive } from '../../src/graph/archive/load.js';
import { MemoryGraph } from '../../src/graph/archive/memory-graph.js';
import { writeArchive } from '../../src/graph/archive/save.js';
import { spoolArchive } from '../../src/graph/archive/spool.js';
import { busyboxImage, layerTar, multiLayerImage } from '../helpers/fixtures.js';
import { referenceSkipReason, startReferenceDockerd, type ReferenceDockerd } from './reference-dockerd.js';

/**
 * berth's docker-archive code against the reference dockerd 20.10: archives berth
 * writes load into dockerd with the same image IDs, and archives dockerd writes load
 * into berth's format code with the same IDs. The graph here is the in-memory one,
 * so this checks the format, independent of the daemon.
 */
const skip = referenceSkipReason();

async function loadInto(graph: MemoryGraph, input: Readable, root: string) {
  mkdirSync(root, { recursive: true });
  return loadArchive(graph, await spoolArchive(await openTar(input), root));
}

async function saveFrom(graph: MemoryGraph, names: string[], tmp: string): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await writeArchive(graph, names.map((n) => ({ image: graph.resolve(n), tags: n.includes(':') ? [n] : [] })), out, { tmpDir: tmp });
  return Buffer.concat(chunks);
}

async function inspect(d: ReferenceDockerd, name: string): Promise<{ Id: string; RootFS: { Layers: string[] }; Config: Record<string, unknown> }> {
  const r = await d.docker(['image', 'inspect', name]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.toString())[0];
}

async function members(archive: Buffer): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const ex = tar.extract();
  const read = (async () => {
    for await (const e of ex) {
      const b: Buffer[] = [];
      for await (const c of e) b.push(c as Buffer);
      files.set(e.header.name, Buffer.concat(b));
    }
  })();
  Readable.from([archive]).pipe(ex);
  await read;
  return files;
}

test('archives move between berth and dockerd 20.10 with the same image IDs', { skip: skip ?? false, timeout: 180_000 }, async (t: TestContext) => {
  const d = await startReferenceDockerd(t);
  const work = join(d.dir, 'work');
  mkdirSync(work);
  const single = await busyboxImage();
  const multi = await multiLayerImage();

  // berth → dockerd: load the fixtures with berth's loader, save with berth's writer, load into dockerd.
  const g = new MemoryGraph();
  await loadInto(g, createReadStream(single.path), join(work, 's1'));
  await loadInto(g, createReadStream(multi.path), join(work, 's2'));
  const ours = await saveFrom(g, [single.tag, multi.tag], join(work, 'tmp'));
  const loaded = await d.docker(['load'], ours);
  assert.equal(loaded.code, 0, loaded.stderr);
  assert.match(loaded.stdout.toString(), /Loaded image: busybox:latest/);
  assert.match(loaded.stdout.toString(), /Loaded image: busybox-multi:latest/);
  for (const f of [single, multi]) {
    const img = await inspect(d, f.tag);
    assert.equal(img.Id, f.id);
    assert.deepEqual(img.RootFS.Layers, f.diffIds);
  }
  // dockerd can run what it loaded from berth's archive only if the layers are intact: check a file.
  const byId = await saveFrom(g, [multi.id], join(work, 'tmp'));
  const untagged = await d.docker(['load'], byId);
  assert.equal(untagged.code, 0, untagged.stderr);

  // dockerd → berth: an image dockerd made itself (import with changes), saved by dockerd.
  const rootfs = await layerTar([{ type: 'file', name: 'hello.txt', mode: 0o644, content: 'hello\n' }]);
  const changes = ['CMD echo hi', 'ENV A=1 B="two words"', 'ENV LEGACY some value', 'EXPOSE 80 53/udp', 'LABEL a=b', 'USER nobody', 'WORKDIR /srv', 'VOLUME /data', 'ENTRYPOINT ["/bin/sh","-c"]', 'ONBUILD run true', 'HEALTHCHECK --interval=1m30s --retries=3 CMD wget -q localhost'];
  const imported = await d.docker(['import', ...changes.flatMap((c) => ['--change', c]), '-', 'dockerd-made:v1'], rootfs);
  assert.equal(imported.code, 0, imported.stderr);
  const saved = await d.docker(['save', 'dockerd-made:v1', multi.tag]);
  assert.equal(saved.code, 0, saved.stderr);
  writeFileSync(join(work, 'from-dockerd.tar'), saved.stdout);
  const g2 = new MemoryGraph();
  const back = await loadInto(g2, createReadStream(join(work, 'from-dockerd.tar')), join(work, 's3'));
  const made = await inspect(d, 'dockerd-made:v1');
  assert.deepEqual(back.map((l) => [l.id, l.tags]).sort(), [[made.Id, ['dockerd-made:v1']], [multi.id, [multi.tag]]].sort());

  // The config dockerd's import wrote is the one berth's import would write for the same changes.
  const cfg = JSON.parse(g2.resolve(made.Id).configBytes.toString());
  assert.deepEqual(applyChanges(emptyContainerConfig(), changes), cfg.config);
  assert.equal(cfg.comment, 'Imported from -');
  assert.deepEqual(Object.keys(cfg.history[0]).sort(), ['comment', 'created']);

  // And back again: berth's archive of dockerd's image loads into dockerd under the same ID.
  const again = await saveFrom(g2, ['dockerd-made:v1'], join(work, 'tmp'));
  assert.equal((await d.docker(['rmi', 'dockerd-made:v1'])).code, 0);
  const reload = await d.docker(['load'], again);
  assert.equal(reload.code, 0, reload.stderr);
  assert.equal((await inspect(d, 'dockerd-made:v1')).Id, made.Id);
  const files = await members(again);
  assert.ok(files.has('manifest.json') && files.has('repositories'));
  });
