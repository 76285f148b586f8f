import yargs, { type Argv, type Options } from 'yargs';
import { InvalidParameter } from '../engine/errors.js';
import { DEFAULT_CONFIG_FILE } from './config-file.js';
import { daemonOptions, type DaemonOption } from './options.js';
import { emptySource, type SourceSettings } from './settings.js';

/** What the command line asked for. */
export type Invocation =
  | { mode: 'daemon'; flags: SourceSettings; configFile: string; configFileExplicit: boolean; warnings: string[] }
  | { mode: 'version' }
  /** `asked`: `--help` was given (exit 0); otherwise nothing said what to run (exit 1). */
  | { mode: 'help'; text: string; asked: boolean };

const kindToYargs: Record<DaemonOption['kind'], Options> = {
  string: { type: 'string', requiresArg: true },
  boolean: { type: 'boolean' },
  // Parsed here rather than by yargs, so a bad value is quoted back as typed.
  number: { type: 'string', requiresArg: true },
  list: { type: 'string', array: true, requiresArg: true },
};

/** The yargs parser: every row of the option table, plus the mode switches. */
function parser(argv: string[]): Argv {
  let y = yargs(argv)
    .scriptName('berth')
    .usage('Usage: berth -d [OPTIONS]\n\nA container engine daemon that speaks the Docker Engine API')
    .version(false)
    // Help is a mode of its own (parseArgs), not yargs' built-in: that one prints and
    // then lets the parse go on, so `berth daemon --help` started a daemon.
    .help(false)
    .option('help', { alias: 'h', type: 'boolean', describe: 'Show help' })
    // The terminal's width, or 100 columns into a pipe; yargs' own choice broke the
    // description line inside a word.
    .wrap(Math.min(100, process.stdout.columns || 100))
    .option('daemon', { alias: 'd', type: 'boolean', describe: 'Run the daemon (same as `berth daemon`)' })
    .option('version', { alias: 'v', type: 'boolean', describe: 'Print version information and quit' })
    .option('config-file', { type: 'string', requiresArg: true, describe: 'Daemon configuration file', default: undefined, defaultDescription: DEFAULT_CONFIG_FILE })
    .command('daemon', 'Run the daemon')
    .strict()
    .parserConfiguration({ 'camel-case-expansion': false, 'duplicate-arguments-array': true })
    .exitProcess(false)
    .fail((msg, err) => {
      throw new InvalidParameter(msg ?? err?.message ?? 'invalid command line');
    });
  for (const o of daemonOptions) {
    y = y.option(o.flag, { ...kindToYargs[o.kind], describe: o.describe, ...(o.alias ? { alias: o.alias } : {}) });
  }
  return y;
}

/** Parse argv (without node and the script) into an Invocation; throws InvalidParameter. */
export async function parseArgs(argv: string[]): Promise<Invocation> {
  const y = parser(argv);
  const args = (await y.parse()) as Record<string, unknown> & { _: (string | number)[] };
  if (args['help']) return { mode: 'help', text: await y.getHelp(), asked: true };
  if (args['version']) return { mode: 'version' };
  const daemonCommand = args._[0] === 'daemon';
  if (args._.length > (daemonCommand ? 1 : 0)) {
    throw new InvalidParameter(`unknown command or argument: ${String(args._[daemonCommand ? 1 : 0])}`);
  }
  if (!args['daemon'] && !daemonCommand) return { mode: 'help', text: await y.getHelp(), asked: false };

  const flags = emptySource();
  const warnings: string[] = [];
  for (const o of daemonOptions) {
    const raw = args[o.flag];
    if (raw === undefined) continue;
    const value = flagValue(o, raw);
    if (o.deprecated) warnings.push(o.deprecated);
    if (flags.values[o.field] !== undefined) {
      // -g and --data-root both given: dockerd refuses the pair as well.
      const other = [...flags.set.keys()].find((s) => s.field === o.field)!;
      throw new InvalidParameter(`cannot specify both --${other.flag} and --${o.flag}`);
    }
    flags.values[o.field] = value;
    flags.set.set(o, value);
  }
  const file = args['config-file'];
  return {
    mode: 'daemon',
    flags,
    configFile: typeof file === 'string' ? file : DEFAULT_CONFIG_FILE,
    configFileExplicit: typeof file === 'string',
    warnings,
  };
}

function flagValue(o: DaemonOption, raw: unknown): string | boolean | number | string[] {
  switch (o.kind) {
    case 'boolean':
      return Boolean(raw);
    case 'number': {
      const text = String(Array.isArray(raw) ? raw[raw.length - 1] : raw);
      if (!/^-?\d+$/.test(text)) {
        throw new InvalidParameter(`invalid argument ${JSON.stringify(text)} for "--${o.flag}" flag: strconv.ParseInt: parsing ${JSON.stringify(text)}: invalid syntax`);
      }
      return Number(text);
    }
    case 'string': {
      // A repeated single-value flag keeps the last value, as pflag does.
      const s = Array.isArray(raw) ? raw[raw.length - 1] : raw;
      return String(s);
    }
    case 'list':
      return (Array.isArray(raw) ? raw : [raw]).map(String);
  }
}
