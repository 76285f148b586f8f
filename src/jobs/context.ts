import type { DaemonConfig } from '../engine/config.js';
import type { Handler as EngineHandler, HandlerTable as EngineHandlerTable } from '../engine/engine.js';
import type { EventBus } from '../engine/events.js';
import type { JobName } from '../engine/job-table.js';
import type { Logger } from '../engine/log.js';
import type { Store } from '../engine/store.js';
import type { Graph } from '../graph/graph.js';
import type { ContainerStore } from './containers/store.js';
import type { LiveContainers } from './containers/live.js';
import type { LocalVolumes } from '../volumes/local.js';
import type { NetworkController } from '../network/controller.js';

/** The daemon's services, handed to every job by the engine. Built in src/cli/daemon.ts. */
export interface JobContext {
  config: DaemonConfig;
  store: Store;
  events: EventBus;
  log: Logger;
  graph: Graph;
  startedAt: Date;
  /** The container records (and their counts for `/info`, `/system/df`); absent (all zero) in tests without containers. */
  containers?: ContainerStore;
  /** Running containers' handles and locks; absent in tests that run no containers. */
  runtime?: LiveContainers;
  /** The local volume driver; absent in tests that make no volumes. */
  volumes?: LocalVolumes;
  /** Networks and the containers' endpoints; absent in tests that make no networks. */
  network?: NetworkController;
}

export type Handler<N extends JobName> = EngineHandler<N, JobContext>;
export type HandlerTable = EngineHandlerTable<JobContext>;
