import type { DaemonConfig } from '../engine/config.js';
import { Engine } from '../engine/engine.js';
import { EventBus } from '../engine/events.js';
import { createLogger } from '../engine/log.js';
import { Store } from '../engine/store.js';
import { Graph } from '../graph/graph.js';
import { sweepScratch } from '../graph/archive/tmp.js';
import { selectDriver } from '../drivers/graphdriver/registry.js';
import type { JobContext } from '../jobs/context.js';
import { hookGraph } from '../jobs/containers/index.js';
import { allJobs } from '../jobs/index.js';
import { restoreContainers, shutdownContainers } from '../jobs/containers/boot.js';
import { LiveContainers } from '../jobs/containers/live.js';
import { createNativeDriver } from '../drivers/execdriver/native/index.js';
import { unreadBytes } from '../libcontainer/native.js';
import { shareDaemonRoot, unshareDaemonRoot } from '../libcontainer/root-propagation.js';
import { ContainerStore } from '../jobs/containers/store.js';
import { hookVolumes } from '../jobs/volumes/index.js';
import { LocalVolumes } from '../volumes/local.js';
import { NetworkController } from '../network/controller.js';
import { createApp } from '../server/app.js';
import { listen, type Listeners } from '../server/listeners.js';
import { serverTls } from '../server/tls.js';
import { routes } from '../server/routes/index.js';

export interface RunningDaemon {
  engine: Engine<JobContext>;
  listeners: Listeners;
  /** Stop serving, abort jobs, close the store. */
  stop(): Promise<void>;
  /** Apply reloadable settings (SIGHUP) to the live config and the logger. */
  reload(changes: Partial<DaemonConfig>): void;
}

/**
 * The composition root: config → store → drivers → graph → engine (every area's
 * install) → listeners. Nothing else in berth builds these objects.
 */
export async function startDaemon(config: DaemonConfig): Promise<RunningDaemon> {
  const log = createLogger(config.debug ? 'debug' : config.logLevel);
  await shareDaemonRoot(config.dataRoot, config.execRoot);
  const store = Store.open(config.dataRoot);
  const driver = await selectDriver(config.dataRoot, config.storageDriver, config.storageOpts, log);
  const graph = new Graph(store, driver, log);
  const containers = new ContainerStore(store);
  // Before the sweep: layers under containers' RW layers must survive it.
  hookGraph(graph, containers);
  await graph.restore();
  await sweepScratch(config.dataRoot);
  const execDriver = await createNativeDriver({ execRoot: config.execRoot, log, cgroupParent: config.cgroupParent });
  const runtime = new LiveContainers(execDriver);
  const ctx: JobContext = { config, store, events: new EventBus(), log, graph, startedAt: new Date(), containers, runtime };
  ctx.volumes = new LocalVolumes(store, config.dataRoot, ctx.events);
  hookVolumes(ctx.volumes, containers);
  // Networks before the containers' restore: live endpoints are reconciled there.
  ctx.network = await NetworkController.open({ config, store, log, events: ctx.events, containers });
  await restoreContainers(ctx);

  const engine = new Engine(ctx, log);
  for (const table of allJobs) engine.install(table);
  // Hooks run last-registered first: containers stop (or, with --live-restore, stay),
  // then the driver unmounts what no running container holds, then the store closes.
  let keep = new Set<string>();
  // Last of all, with the store's files closed: the data root's own mount (root-propagation.ts).
  engine.onShutdown(async () => {
    if (keep.size === 0) await unshareDaemonRoot(config.dataRoot, config.execRoot).catch((e: Error) => log.warn(`unmounting the data root: ${e.message}`));
  });
  engine.onShutdown(() => store.close());
  engine.onShutdown(() => ctx.network?.shutdown(keep));
  engine.onShutdown(() => driver.cleanup(keep));
  engine.onShutdown(async () => { keep = await shutdownContainers(ctx); });

  const app = createApp(engine, routes, { experimental: config.experimental, log, unreadBytes });
  let listeners: Listeners;
  try {
    const tls = serverTls(config);
    listeners = await listen(app, config.hosts, { insecureTcp: config.insecureTcp, log, ...(tls ? { tls } : {}) });
  } catch (err) {
    // Nothing serves: undo what the start made (network links and rules, mounts) as a stop would.
    await engine.shutdown().catch(() => undefined);
    throw err;
  }
  log.info(`API listen on ${config.hosts.join(', ')}`);

  return {
    engine,
    listeners,
    async stop() {
      await listeners.close();
      await engine.shutdown();
    },
    reload(changes) {
      // Jobs read ctx.config on each use, so mutating it in place is the reload.
      Object.assign(config, changes);
      const level = config.debug ? 'debug' : config.logLevel;
      log.level = level === 'fatal' ? 'error' : level;
      listeners.reloaded();
    },
  };
}
