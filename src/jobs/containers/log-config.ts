import { InvalidParameter } from '../../engine/errors.js';
import type { HostConfig } from './types.js';
import { checkUnwrittenAtCreate, unwrittenDriverProblem, WRITTEN } from './log-drivers-unwritten.js';

/** The log drivers built into dockerd 20.10 on Linux; any other name is looked up as a plugin. */
const DRIVERS = ['none', 'json-file', 'local', 'journald', 'syslog', 'gelf', 'fluentd', 'awslogs', 'splunk', 'gcplogs', 'logentries'];
/** Options every driver takes (dockerd's builtInLogOpts and the log cache's), never passed to its validator. */
const BUILT_IN = ['mode', 'max-buffer-size', 'cache-disabled', 'cache-max-size', 'cache-max-file', 'cache-compress'];
const JSON_FILE_OPTS = ['max-file', 'max-size', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag'];

function logConfigOf(h: HostConfig): { type: string; config: Record<string, string> } {
  const log = (h['LogConfig'] ?? {}) as { Type?: string; Config?: Record<string, string> | null };
  return { type: log.Type || 'json-file', config: log.Config ?? {} };
}

/** go-units' parseSize: `10`, `1.5k`, `20 MiB`; decimal (FromHumanSize) or binary (RAMInBytes) multiples. */
function parseSize(s: string, base: 1000 | 1024): number {
  const m = /^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(s);
  if (!m) throw new Error(`invalid size: '${s}'`);
  if (!/^\d+(\.\d+)?$/.test(m[1]!)) throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(m[1])}: invalid syntax`);
  const power = m[3] ? 'kmgtp'.indexOf(m[3].toLowerCase()) + 1 : 0;
  return Math.trunc(Number(m[1]) * base ** power);
}

/**
 * dockerd's mergeAndVerifyLogConfig at create (logger.ValidateLogOpts): the mode,
 * max-buffer-size, the cache switch, a known driver, and for json-file its option
 * names. Values json-file reads (max-size...) are checked only when it opens, at start.
 */
export function validateLogConfig(h: HostConfig): void {
  const { type, config } = logConfigOf(h);
  if (type === 'none') return;
  const mode = config['mode'] ?? '';
  if (!['blocking', 'non-blocking', ''].includes(mode)) throw new InvalidParameter(`logger: logging mode not supported: ${mode}`);
  if ('max-buffer-size' in config) {
    if (mode !== 'non-blocking') throw new InvalidParameter("logger: max-buffer-size option is only supported with 'mode=non-blocking'");
    try {
      parseSize(config['max-buffer-size']!, 1024);
    } catch (err) {
      throw new InvalidParameter(`error parsing option max-buffer-size: ${(err as Error).message}`);
    }
  }
  const cacheDisabled = config['cache-disabled'];
  if (cacheDisabled && !GO_BOOLS.includes(cacheDisabled)) throw new InvalidParameter(`invalid value for option cache-disabled: ${cacheDisabled}`);
  if (!DRIVERS.includes(type)) throw new InvalidParameter(`error looking up logging plugin ${type}: plugin "${type}" not found`);
  checkUnwrittenAtCreate(type, config);
  const unknown = unknownLogOpt(type, Object.keys(config));
  if (unknown !== null) throw new InvalidParameter(`unknown log opt '${unknown}' for json-file log driver`);
}

/** The first option name json-file does not take (dockerd's ValidateLogOpts for it), or null; other drivers' are not checked. */
export function unknownLogOpt(type: string, keys: Iterable<string>): string | null {
  if (type !== 'json-file') return null;
  for (const key of keys) if (!BUILT_IN.includes(key) && !JSON_FILE_OPTS.includes(key)) return key;
  return null;
}

/**
 * The daemon's default log config over a container's, as dockerd's
 * mergeAndVerifyLogConfig: no driver named takes the daemon's, and a container on the
 * daemon's driver takes each of its options it does not set itself.
 */
export function withDaemonLogConfig(h: HostConfig, driver: string, opts: readonly string[]): void {
  const log = (h['LogConfig'] ?? {}) as { Type?: string; Config?: Record<string, string> | null };
  const type = log.Type || driver;
  const config = { ...(log.Config ?? {}) };
  if (type === driver) {
    for (const o of opts) {
      const [key, value] = splitLogOpt(o);
      if (!(key in config)) config[key] = value;
    }
  }
  h['LogConfig'] = { Type: type, Config: config };
}

/** A `--log-opt` as dockerd's MapOpts reads it: `key=value`, or a bare key with an empty value. */
export function splitLogOpt(o: string): [string, string] {
  const at = o.indexOf('=');
  return at < 0 ? [o, ''] : [o.slice(0, at), o.slice(at + 1)];
}

/** The strings Go's strconv.ParseBool accepts. */
const GO_BOOLS = ['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False'];

/**
 * json-file's New as dockerd 20.10 runs it when a container starts: its rotation
 * options' values, with dockerd's words, prefixed as container.StartLogger does.
 * Returns how the shim rotates the log file: json-file's max-size and max-file (none
 * without max-size, as there), and the local driver's with its defaults (20 MiB, 5
 * files; berth keeps its records in the same file format, uncompressed).
 */
export function openLogDriver(h: HostConfig): LogRotation | null {
  const { type, config } = logConfigOf(h);
  const fail = (msg: string): never => { throw new Error(`failed to initialize logging driver: ${msg}`); };
  if (!WRITTEN.includes(type)) fail(unwrittenDriverProblem(type, config));
  if (type === 'local') return localRotation(config);
  if (type !== 'json-file') return null;
  let maxSize = -1;
  if ('max-size' in config) {
    try {
      maxSize = parseSize(config['max-size']!, 1000);
    } catch (err) {
      fail((err as Error).message);
    }
    if (maxSize <= 0) fail('max-size must be a positive number');
  }
  let maxFiles = 1;
  if ('max-file' in config) {
    const v = config['max-file']!;
    if (!/^[+-]?\d+$/.test(v)) fail(`strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`);
    maxFiles = Number(v);
    if (maxFiles < 1) fail('max-file cannot be less than 1');
  }
  if ('compress' in config) {
    const v = config['compress']!;
    if (!GO_BOOLS.includes(v)) fail(`strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
    const on = ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v);
    if (on && (maxFiles === 1 || maxSize === -1)) fail('compress cannot be true when max-file is less than 2 or max-size is not set');
  }
  return maxSize > 0 ? { maxSize, maxFiles } : null;
}

/** How the shim rotates a container's log file: dockerd's max-size (bytes) and max-file. */
export interface LogRotation {
  maxSize: number;
  maxFiles: number;
}

/** The local driver's defaults (dockerd's 20 MiB and 5 files), or its options where they parse. */
function localRotation(config: Record<string, string>): LogRotation {
  const fallback = 20 * 1024 * 1024;
  let maxSize = fallback;
  try {
    if (config['max-size']) maxSize = parseSize(config['max-size'], 1024);
  } catch {
    // berth does not check the local driver's values: one that does not parse leaves the default
  }
  const files = Number(config['max-file'] ?? 5);
  return { maxSize: maxSize > 0 ? maxSize : fallback, maxFiles: Number.isInteger(files) && files >= 1 ? files : 5 };
}
