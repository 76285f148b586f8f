import type { TestContext } from 'node:test';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../engine/log.js';
import { Store } from '../engine/store.js';
import { init as overlayInit } from '../drivers/graphdriver/overlay/index.js';
import { layerTar } from '../../test/helpers/fixtures.js';
import { removeDir } from '../../test/helpers/daemon.js';
import { Graph } from './graph.js';

/** Test helpers shared by the graph's and the image jobs' unit tests (not used by the daemon). */

const log = createLogger('error');

/** A graph over the real overlay driver in a fresh /tmp/berth-test-* data root. */
export async function openGraph(t: TestContext, root = mkdtempSync('/tmp/berth-test-graph-')): Promise<{ graph: Graph; root: string; reopen(): Promise<Graph> }> {
  const open = async () => {
    const store = Store.open(root);
    const driver = await overlayInit(join(root, 'overlay'), []);
    return { store, driver, graph: new Graph(store, driver, log) };
  };
  const opened = [await open()];
  t.after(async () => {
    for (const o of opened) {
      await o.driver.cleanup().catch(() => undefined);
      o.store.close();
    }
    removeDir(root);
  });
  return {
    graph: opened[0]!.graph, root,
    async reopen() {
      const o = await open();
      opened.push(o);
      return o.graph;
    },
  };
}

export const fileTar = (name: string, content: string) =>
  layerTar([{ type: 'directory', name: 'etc/', mode: 0o755 }, { type: 'file', name: `etc/${name}`, mode: 0o644, content }]);

export function configFor(diffIds: string[], extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', created: '2026-01-01T00:00:00Z',
    config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: diffIds },
    history: diffIds.map((_, i) => ({ created: '2026-01-01T00:00:00Z', created_by: `step ${i}` })), ...extra,
  }));
}

