import { test } from 'node:test';
import { readFileSync, writeFileSync } from 'node:fs';
import { startDaemon } from '../helpers/daemon.js';
import { multiLayerImage } from '../helpers/fixtures.js';
import { blobFile, pushImage, readArchive, startRegistry } from './registry.js';
test('debug', { timeout: 60_000 }, async (t) => {
  const reg = await startRegistry(t);
  const img = await readArchive((await multiLayerImage()).path);
  const d = await startDaemon(t, { args: ['--debug'] });
  const bad = await pushImage(reg, 'corrupt', 'latest', img);
  const top = blobFile(reg, bad.layers[2]!.digest);
  const bytes = readFileSync(top);
  bytes[bytes.length - 5] ^= 0xff;
  writeFileSync(top, bytes);
  const r = await d.docker(['pull', `${reg.host}/corrupt`], { timeoutMs: 8000 });
  console.log(r.code, r.stdout, r.stderr);
  console.log(d.log().split('\n').filter((l) => /job|error|warn/i.test(l)).slice(-20).join('\n'));
});
