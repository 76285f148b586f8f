import { readFileSync } from 'node:fs';
import { InvalidParameter } from '../engine/errors.js';
import { optionByKey } from './options.js';
import { emptySource, fileValue, type SourceSettings } from './settings.js';

/** Where berth looks for daemon.json when --config-file is not given. */
export const DEFAULT_CONFIG_FILE = '/etc/berth/daemon.json';

/**
 * Read a daemon.json. Returns null when the file is the default one and does not
 * exist (dockerd's behaviour: the default file is optional, a named one is not).
 * Errors carry dockerd's wording, prefixed as dockerd prefixes them.
 */
export function readConfigFile(path: string, explicit: boolean): SourceSettings | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT' && !explicit) return null;
    throw fileError(path, e.code === 'ENOENT' ? `open ${path}: no such file or directory` : `open ${path}: ${e.message}`);
  }
  try {
    return parseConfig(text);
  } catch (err) {
    throw fileError(path, (err as Error).message);
  }
}

function fileError(path: string, detail: string): InvalidParameter {
  return new InvalidParameter(`unable to configure the berth daemon with file ${path}: ${detail}`);
}

/** Parse daemon.json text into settings; unknown keys are refused, all named at once, sorted. */
export function parseConfig(text: string): SourceSettings {
  // An empty file is a valid, empty configuration (dockerd accepts it too).
  if (text.trim() === '') return emptySource();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InvalidParameter((err as Error).message);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new InvalidParameter('json: cannot unmarshal non-object into Go value of type map[string]interface {}');
  }
  const entries = Object.entries(json as Record<string, unknown>);
  const unknown = entries.map(([k]) => k).filter((k) => !optionByKey(k)).sort();
  if (unknown.length) {
    throw new InvalidParameter(`the following directives don't match any configuration option: ${unknown.join(', ')}`);
  }
  const source = emptySource();
  for (const [key, raw] of entries) {
    const option = optionByKey(key)!;
    const value = fileValue(option, raw);
    source.values[option.field] = value;
    source.set.set(option, value);
  }
  return source;
}
