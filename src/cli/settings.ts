import { InvalidParameter } from '../engine/errors.js';
import type { DaemonOption, OptionField } from './options.js';

/** Values one source (the flags, or the config file) set, by DaemonConfig field. */
export type Settings = Partial<Record<OptionField, string | boolean | number | string[]>>;

/**
 * What one source set: the values, and for each option it set, how it was spelled
 * there (the flag name or the file key), used for conflict messages.
 */
export interface SourceSettings {
  values: Settings;
  set: Map<DaemonOption, unknown>;
}

export function emptySource(): SourceSettings {
  return { values: {}, set: new Map() };
}

/** Go's %v of a value, the way dockerd prints flag/file values in its messages. */
export function goFormat(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(goFormat).join(' ')}]`;
  return String(value);
}

const goTypes: Record<DaemonOption['kind'], string> = { string: 'string', boolean: 'bool', number: 'int', list: '[]string' };

/** A JSON value's type in encoding/json's errors ("cannot unmarshal <type> into ..."). */
function jsType(v: unknown): string {
  return Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
}

/**
 * Check a config-file value against the option's kind. The message mirrors
 * encoding/json's, which is what dockerd reports for a mistyped daemon.json key.
 */
export function fileValue(option: DaemonOption, value: unknown): string | boolean | number | string[] {
  if (option.key === 'default-address-pools') return addressPoolsValue(value);
  if (option.key === 'log-opts') return logOptsValue(value);
  const ok =
    (option.kind === 'string' && typeof value === 'string') ||
    (option.kind === 'boolean' && typeof value === 'boolean') ||
    (option.kind === 'number' && typeof value === 'number' && Number.isInteger(value)) ||
    (option.kind === 'list' && Array.isArray(value) && value.every((v) => typeof v === 'string'));
  if (!ok) {
    throw new InvalidParameter(`json: cannot unmarshal ${jsType(value)} into Go struct field Config.${option.key} of type ${goTypes[option.kind]}`);
  }
  return value as string | boolean | number | string[];
}

/**
 * daemon.json's `default-address-pools` is a list of objects, as dockerd reads it
 * (`[{"base":"10.10.0.0/16","size":24}]`); each becomes the flag's `base=...,size=...`
 * form, which the network area parses. Errors are encoding/json's, as dockerd's.
 */
function addressPoolsValue(value: unknown): string[] {
  const field = 'Go struct field Config.default-address-pools';
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    // dockerd flattens a nested object into top-level keys, then refuses them.
    throw new InvalidParameter(`the following directives don't match any configuration option: ${Object.keys(value).sort().join(', ')}`);
  }
  if (!Array.isArray(value)) throw new InvalidParameter(`json: cannot unmarshal ${jsType(value)} into ${field} of type []*ipamutils.NetworkToSplit`);
  return value.map((pool: unknown) => {
    if (pool === null || typeof pool !== 'object' || Array.isArray(pool)) {
      throw new InvalidParameter(`json: cannot unmarshal ${jsType(pool)} into ${field} of type ipamutils.NetworkToSplit`);
    }
    const { base = '', size = 0 } = pool as { base?: unknown; size?: unknown };
    if (typeof base !== 'string') throw new InvalidParameter(`json: cannot unmarshal ${jsType(base)} into ${field} of type string`);
    if (typeof size !== 'number' || !Number.isInteger(size)) throw new InvalidParameter(`json: cannot unmarshal ${jsType(size)} into ${field} of type int`);
    return `base=${base},size=${size}`;
  });
}

/** daemon.json's `log-opts` is an object of strings (`{"max-size":"10m"}`); each entry becomes the flag's `key=value`. */
function logOptsValue(value: unknown): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidParameter(`json: cannot unmarshal ${jsType(value)} into Go struct field Config.log-opts of type map[string]string`);
  }
  return Object.entries(value as Record<string, unknown>).map(([k, v]) => {
    if (typeof v !== 'string') throw new InvalidParameter(`json: cannot unmarshal ${jsType(v)} into Go struct field Config.log-opts of type string`);
    return `${k}=${v}`;
  });
}
