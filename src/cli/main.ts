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
  // `berth --help | head` closes the pipe early: that ends the output, not in a stack
  // trace. Only for what prints and quits; the daemon's streams are its log's business.
  if (inv.mode !== 'daemon') {
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  switch (inv.mode) {
    case 'version':
      process.stdout.write(`berth version ${VERSION}\n`);
      return;
    case 'help':
      process.stdout.write(`${inv.text}\n`);
      process.exitCode = inv.asked ? 0 : 1;
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
