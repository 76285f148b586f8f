import { defaultConfig } from '../engine/config.js';
import { startDaemon } from './daemon.js';

// Minimal entry point; flags, config file, pidfile and signals are being written.
const hosts = process.argv.flatMap((a, i, all) => (a === '-H' ? [all[i + 1]!] : []));
const daemon = await startDaemon({ ...defaultConfig, hosts: hosts.length ? hosts : defaultConfig.hosts });
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => { void daemon.stop().then(() => process.exit(0)); });
