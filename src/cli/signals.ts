import type { Logger } from '../engine/log.js';

export interface SignalActions {
  /** Orderly shutdown; the process exits 0 after it resolves. */
  shutdown(): Promise<void>;
  /** Re-read the config file (SIGHUP). Must not throw: a bad file is logged and ignored. */
  reload(): void;
  log: Logger;
}

/**
 * SIGTERM/SIGINT stop the daemon cleanly; a second one while stopping forces the
 * exit (an operator pressing ^C twice means it). SIGHUP reloads the configuration.
 */
export function handleSignals(actions: SignalActions): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      actions.log.warn(`Received ${signal} during shutdown, forcing exit`);
      process.exit(1);
    }
    stopping = true;
    actions.log.info(`Processing signal '${signal}'`);
    actions.shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        actions.log.error(`shutdown failed: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', () => actions.reload());
}
