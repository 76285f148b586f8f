import type { LogLevel } from './log.js';

/**
 * The daemon's configuration after flags and the config file are merged
 * (src/cli builds it). Key names follow dockerd's daemon.json where one exists.
 */
export interface DaemonConfig {
  hosts: string[];
  dataRoot: string;
  execRoot: string;
  pidfile: string;
  storageDriver: string | null;
  storageOpts: string[];
  debug: boolean;
  logLevel: LogLevel;
  configFile: string | null;
  /** Serve plain TCP on a non-loopback address (refused unless set). */
  insecureTcp: boolean;
  labels: string[];
  insecureRegistries: string[];
  registryMirrors: string[];
  maxConcurrentDownloads: number;
  maxConcurrentUploads: number;
  maxDownloadAttempts: number;
  experimental: boolean;
  /** `--cgroup-parent`: the cgroup containers go under unless they name their own. */
  cgroupParent: string;
  /** `--live-restore`: containers keep running when the daemon shuts down. */
  liveRestore: boolean;
  /** `--shutdown-timeout`: seconds to wait for containers to stop at shutdown. */
  shutdownTimeout: number;
}

export const defaultConfig: DaemonConfig = {
  hosts: ['unix:///var/run/berth.sock'],
  dataRoot: '/var/lib/berth',
  execRoot: '/var/run/berth',
  pidfile: '/var/run/berth.pid',
  storageDriver: null,
  storageOpts: [],
  debug: false,
  logLevel: 'info',
  configFile: null,
  insecureTcp: false,
  labels: [],
  insecureRegistries: [],
  registryMirrors: [],
  maxConcurrentDownloads: 3,
  maxConcurrentUploads: 5,
  maxDownloadAttempts: 5,
  experimental: false,
  cgroupParent: 'berth',
  liveRestore: false,
  shutdownTimeout: 15,
};

/** berth's version and the API range it serves (dockerd 20.10's). */
export const VERSION = '0.1.0';
export const API_VERSION = '1.41';
export const MIN_API_VERSION = '1.12';
