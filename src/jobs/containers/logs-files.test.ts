import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineSource, openLogFile } from './logs-files.js';

test('a line source gives whole lines in pieces of regular size, keeps an unfinished line, reads on as the file grows', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-logs-files-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'log');
  // Lines of every size up to past a read and a piece, and UTF-8 bytes (read back as bytes).
  const lines: string[] = [];
  for (let i = 0; lines.join('').length < 3_000_000; i++) lines.push(`${i} é ${'y'.repeat((i * 7919) % (i % 50 === 0 ? 150_000 : 300))}\n`);
  const whole = Buffer.from(lines.join(''), 'utf8');
  writeFileSync(path, Buffer.concat([whole, Buffer.from('{"log":"unfinis')]));
  const f = (await openLogFile(path))!;
  t.after(() => f.fh.close());
  const src = new LineSource(f);
  const got: string[] = [];
  for (let p = await src.next(); p; p = await src.next()) {
    for (const piece of p) {
      assert.ok(piece.endsWith('\n'));
      // Only a single line longer than a piece may make one longer.
      if (piece.length > 64 * 1024) assert.equal(piece.indexOf('\n'), piece.length - 1);
      got.push(piece);
    }
  }
  assert.ok(Buffer.from(got.join(''), 'latin1').equals(whole));
  appendFileSync(path, 'hed"}\nnext\n');
  const more = await src.next();
  assert.deepEqual(more, ['{"log":"unfinished"}\nnext\n']);
  assert.equal(await src.next(), null);
});
