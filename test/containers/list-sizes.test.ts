import { test } from 'node:test';
import assert from 'node:assert/strict';
import { daemonWithBusybox, ok } from '../helpers/cli.js';

/**
 * Sizes in the container list as dockerd 20.10 gives them: its list type marks SizeRw
 * and SizeRootFs `omitempty`, so a container that wrote nothing has no SizeRw (clients
 * read its absence as 0), while inspect's pointers keep a 0.
 */

type Row = { Names: string[]; SizeRw?: number; SizeRootFs?: number };

test('ps with sizes: SizeRw only where the container wrote something; inspect keeps 0', { timeout: 60_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  await ok(d, ['create', '--name', 'quiet', '--network', 'none', 'busybox', 'true']);
  await ok(d, ['run', '--name', 'writer', '--network', 'none', 'busybox', 'sh', '-c', 'head -c 20000 /dev/zero > /big']);
  const api = d.client();
  const rows = await api.listContainers({ all: true, size: true }) as unknown as Row[];
  const quiet = rows.find((r) => r.Names[0] === '/quiet')!;
  const writer = rows.find((r) => r.Names[0] === '/writer')!;
  assert.equal('SizeRw' in quiet, false, JSON.stringify(quiet));
  assert.ok(quiet.SizeRootFs! > 0);
  assert.ok(writer.SizeRw! >= 20000, JSON.stringify(writer));
  const inspected = JSON.parse(await ok(d, ['inspect', '-s', 'quiet']))[0] as Row;
  assert.equal(inspected.SizeRw, 0);
  // The CLI shows the missing size as 0B.
  assert.match(await ok(d, ['ps', '-a', '-s', '--filter', 'name=quiet', '--format', '{{.Size}}']), /^0B \(virtual /);
});
