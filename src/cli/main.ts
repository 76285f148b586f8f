import { VERSION } from '../engine/config.js';
import { parseArgs } from './flags.js';
import { runDaemon } from './run.js';

/**
 * The `berth` binary. Today it is the daemon (`berth -d`, `berth daemon`) and
 * `berth -v`; client commands come later. A failure before the daemon serves is one
 * line on stderr and exit status 1, never a stack trace.
 */
async function main(argv: string[]): Promise<void> {
  const inv = await parseArgs(argv);
  switch (inv.mode) {
    case 'version':
      process.stdout.write(`berth version ${VERSION}\n`);
      return;
    case 'help':
      process.stdout.write(`${inv.text}\n`);
      process.exitCode = 1;
      return;
    case 'daemon':
      for (const w of inv.warnings) process.stderr.write(`${w}\n`);
      await runDaemon(inv);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`${message.split('\n')[0]}\n`);
  process.exit(1);
});
