import { goParsesIp } from '../drivers/networkdriver/ipam.js';
import { defaultConfig, type DaemonConfig } from '../engine/config.js';
import { InvalidParameter } from '../engine/errors.js';
import { splitLogOpt, unknownLogOpt } from '../jobs/containers/log-config.js';
import type { LogLevel } from '../engine/log.js';
import { daemonOptions, logLevels } from './options.js';
import { goFormat, type Settings, type SourceSettings } from './settings.js';

/**
 * dockerd refuses a setting given both as a flag and in daemon.json rather than
 * pick a winner; so does berth. Names are the file's keys, sorted, as dockerd prints them.
 */
export function findConflicts(flags: SourceSettings, file: SourceSettings): void {
  const conflicts: string[] = [];
  for (const [fileOption, fileValue] of file.set) {
    for (const [flagOption, flagValue] of flags.set) {
      if (flagOption.field !== fileOption.field) continue;
      conflicts.push(`${fileOption.key}: (from flag: ${goFormat(flagValue)}, from file: ${goFormat(fileValue)})`);
    }
  }
  if (conflicts.length) {
    throw new InvalidParameter(
      `the following directives are specified both as a flag and in the configuration file: ${conflicts.sort().join(', ')}`,
    );
  }
}

/** Apply settings onto a config (a copy); the option table says which field each one sets. */
export function applySettings(base: DaemonConfig, settings: Settings): DaemonConfig {
  const config: DaemonConfig = { ...base };
  for (const o of daemonOptions) {
    const v = settings[o.field];
    if (v === undefined) continue;
    (config as unknown as Record<string, unknown>)[o.field] = Array.isArray(v) ? [...v] : v;
  }
  return validate(config);
}

/** dockerd's checks on the merged configuration, with its messages. */
export function validate(config: DaemonConfig): DaemonConfig {
  const level = String(config.logLevel).toLowerCase();
  const normalised = level === 'warning' ? 'warn' : level;
  if (!(logLevels as readonly string[]).includes(normalised)) {
    throw new InvalidParameter(`unable to parse logging level: ${config.logLevel}`);
  }
  config.logLevel = normalised as LogLevel;
  if (config.maxConcurrentDownloads < 0) throw new InvalidParameter(`invalid max concurrent downloads: ${config.maxConcurrentDownloads}`);
  if (config.maxConcurrentUploads < 0) throw new InvalidParameter(`invalid max concurrent uploads: ${config.maxConcurrentUploads}`);
  if (config.maxDownloadAttempts <= 0) throw new InvalidParameter(`invalid max download attempts: ${config.maxDownloadAttempts}`);
  for (const label of config.labels) {
    if (!/^[^=]+=/.test(label)) throw new InvalidParameter(`bad attribute format: ${label}`);
  }
  // Go's net.ParseIP, as pflag's IP flag calls it.
  if (config.hostGatewayIp && !goParsesIp(config.hostGatewayIp)) {
    throw new InvalidParameter(`invalid argument ${JSON.stringify(config.hostGatewayIp)} for "--host-gateway-ip" flag: invalid string being converted to IP address: ${config.hostGatewayIp}`);
  }
  if (config.hosts.length === 0) throw new InvalidParameter('no hosts to listen on');
  // The default log options' names are checked now, their values at each container's start, as in dockerd.
  const unknownOpt = unknownLogOpt(config.logDriver, config.logOpts.map((o) => splitLogOpt(o)[0]));
  if (unknownOpt !== null) throw new InvalidParameter(`failed to set log opts: unknown log opt '${unknownOpt}' for ${config.logDriver} log driver`);
  return config;
}

/** Flags over file over the embedded defaults, after refusing conflicts. */
export function resolveConfig(flags: SourceSettings, file: SourceSettings | null, configFile: string | null): DaemonConfig {
  if (file) {
    try {
      findConflicts(flags, file);
    } catch (err) {
      throw new InvalidParameter(`unable to configure the berth daemon with file ${configFile}: ${(err as Error).message}`);
    }
  }
  const merged: Settings = { ...(file?.values ?? {}), ...flags.values };
  return { ...applySettings(defaultConfig, merged), configFile };
}

/** dockerd resets these on every reload, to the file's value or the default. */
const RESET_WHEN_UNSET = new Set<string>(['maxConcurrentDownloads', 'maxConcurrentUploads', 'maxDownloadAttempts']);

/**
 * The reloadable part of a re-read config file (SIGHUP): what the file or a flag
 * sets, flags first; non-reloadable keys are ignored on reload.
 */
export function reloadSettings(flags: SourceSettings, file: SourceSettings): Partial<DaemonConfig> {
  findConflicts(flags, file);
  const next = applySettings(defaultConfig, { ...file.values, ...flags.values });
  const out: Record<string, unknown> = {};
  for (const o of daemonOptions) {
    // As dockerd's Reload: a key the file (or a flag) does not set keeps its current
    // value (debug, labels, live-restore, registries, ...), except the transfer limits,
    // which dockerd always resets to their defaults.
    if (o.reloadable && (file.set.has(o) || flags.set.has(o) || RESET_WHEN_UNSET.has(o.field))) out[o.field] = next[o.field];
  }
  return out as Partial<DaemonConfig>;
}
