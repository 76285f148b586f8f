import { mkdirSync } from 'node:fs';
import type { DaemonConfig } from '../engine/config.js';
import { createLogger, type Logger } from '../engine/log.js';
import { readConfigFile } from './config-file.js';
import { startDaemon } from './daemon.js';
import { lockDataRoot, unlockDataRoot } from './data-root-lock.js';
import { claimPidfile, releasePidfile } from './pidfile.js';
import { reloadSettings, resolveConfig } from './resolve.js';
import type { SourceSettings } from './settings.js';
import { handleSignals } from './signals.js';

export interface DaemonInvocation {
  flags: SourceSettings;
  configFile: string;
  configFileExplicit: boolean;
}

/**
 * `berth -d`: build the config (flags over daemon.json over the defaults), take the
 * pidfile, start the daemon, and hand signals to it. Any error before the daemon
 * serves is thrown to main, which prints it on one line and exits non-zero.
 */
export async function runDaemon(inv: DaemonInvocation): Promise<void> {
  const file = readConfigFile(inv.configFile, inv.configFileExplicit);
  const config = resolveConfig(inv.flags, file, file ? inv.configFile : null);
  const log = createLogger(config.debug ? 'debug' : config.logLevel);

  claimPidfile(config.pidfile);
  let daemon;
  try {
    mkdirSync(config.execRoot, { recursive: true, mode: 0o700 });
    mkdirSync(config.dataRoot, { recursive: true, mode: 0o711 });
    lockDataRoot(config.dataRoot);
    daemon = await startDaemon(config);
  } catch (err) {
    unlockDataRoot(config.dataRoot);
    releasePidfile(config.pidfile);
    throw err;
  }
  log.info(`Daemon has completed initialization (pid ${process.pid})`);
  // The last line of defence of "the daemon never dies with a container": a stray
  // stream error (a child's pipe, a client gone mid-write) that no handler caught is
  // logged with its stack instead of ending the daemon and every API client with it.
  // Containers do not depend on it (their shims live on), but the API does.
  process.on('uncaughtException', (err) => log.error(`uncaught error (the daemon serves on): ${err.stack ?? err.message}`));
  process.on('unhandledRejection', (err) => log.error(`unhandled rejection (the daemon serves on): ${(err as Error)?.stack ?? String(err)}`));

  const running = daemon;
  handleSignals({
    log,
    async shutdown() {
      try {
        await running.stop();
      } finally {
        unlockDataRoot(config.dataRoot);
        releasePidfile(config.pidfile);
      }
    },
    reload: () => reload(inv, config, log, running.reload),
  });
}

/** SIGHUP: re-read the file, apply its reloadable keys; a bad file changes nothing. */
function reload(inv: DaemonInvocation, config: DaemonConfig, log: Logger, apply: (c: Partial<DaemonConfig>) => void): void {
  log.info(`Got signal to reload configuration, reloading from: ${inv.configFile}`);
  try {
    const file = readConfigFile(inv.configFile, inv.configFileExplicit);
    if (!file) {
      log.info(`Reload skipped: no configuration file at ${inv.configFile}`);
      return;
    }
    const changes = reloadSettings(inv.flags, file);
    apply(changes);
    const level = config.debug ? 'debug' : config.logLevel;
    log.level = level === 'fatal' ? 'error' : level;
    log.info(`Reloaded configuration: ${JSON.stringify(config)}`);
  } catch (err) {
    log.error(`Error reloading configuration: ${(err as Error).message}`);
  }
}
