import { attrsText } from './logs-record.js';
import type { ContainerRecord } from './types.js';

/**
 * The attrs dockerd's json-file logger writes on every record of a container
 * (logger.Info.ExtraAttributes): the labels named by `--log-opt labels=` or matched by
 * `labels-regex=`, then the environment variables named by `env=` or matched by
 * `env-regex=`. They depend only on the container's config, so berth's shim writes
 * none and `docker logs --details` prints these, formatted as for a record's own.
 */
export function logAttrs(c: ContainerRecord): string {
  const opts = ((c.HostConfig['LogConfig'] as { Config?: Record<string, string> } | undefined)?.Config) ?? {};
  const labels = (c.Config.Labels ?? {}) as Record<string, string>;
  const env = new Map<string, string>();
  for (const e of (c.Config.Env ?? []) as string[]) {
    const i = e.indexOf('=');
    if (i >= 0) env.set(e.slice(0, i), e.slice(i + 1));
  }
  const extra: Record<string, string> = {};
  for (const l of split(opts['labels'])) if (l in labels) extra[l] = labels[l]!;
  const labelRe = regex(opts['labels-regex']);
  if (labelRe) for (const [k, v] of Object.entries(labels)) if (labelRe.test(k)) extra[k] = v;
  for (const k of split(opts['env'])) if (env.has(k)) extra[k] = env.get(k)!;
  const envRe = regex(opts['env-regex']);
  if (envRe) for (const [k, v] of env) if (envRe.test(k)) extra[k] = v;
  return Object.keys(extra).length ? attrsText(extra) : '';
}

const split = (v: string | undefined): string[] => (v ? v.split(',') : []);

/** A regex option as Go compiles it; one JavaScript cannot compile matches nothing. */
function regex(v: string | undefined): RegExp | null {
  if (!v) return null;
  try {
    return new RegExp(v);
  } catch {
    return null;
  }
}
