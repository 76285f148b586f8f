import { goArch } from '../../graph/archive/import.js';
import type { ContainerConfig, HistoryEntry, ImageConfig } from '../../graph/types.js';
import { VERSION } from '../../engine/config.js';
import { apiContainerConfig, goTime } from '../images/common.js';
import { goOrder } from './config.js';

/*
 * The image config `docker commit` writes, as dockerd 20.10's NewChildImage: the
 * parent's rootfs and history plus one entry, the new `config`, the container's own
 * config as `container_config`, and its ID as `container`.
 */

const envKey = (e: string): string => e.split('=', 1)[0]!;

/**
 * dockerd's merge(userConf, containerConf) for commit: what the user's config (the
 * request body, or the container's config, after `--change`) leaves unset is taken
 * from the container's config. Labels always end up an object.
 */
export function mergeCommitConfig(user: ContainerConfig, base: ContainerConfig): ContainerConfig {
  const out: ContainerConfig = { ...user };
  if (!out.User) out.User = base.User ?? '';
  if (!out.ExposedPorts || Object.keys(out.ExposedPorts).length === 0) {
    out.ExposedPorts = base.ExposedPorts ?? null;
  } else if (base.ExposedPorts) {
    out.ExposedPorts = { ...base.ExposedPorts, ...out.ExposedPorts };
  }
  // Maps come out with sorted keys, as Go encodes them.
  if (out.ExposedPorts) out.ExposedPorts = goOrder(out.ExposedPorts);
  if (!out.Env || out.Env.length === 0) {
    out.Env = base.Env ?? null;
  } else {
    const keys = new Set(out.Env.map(envKey));
    out.Env = [...out.Env, ...(base.Env ?? []).filter((e) => !keys.has(envKey(e)))];
  }
  out.Labels = goOrder({ ...(base.Labels ?? {}), ...(out.Labels ?? {}) });
  if (!out.Entrypoint || out.Entrypoint.length === 0) {
    if (!out.Cmd || out.Cmd.length === 0) {
      out.Cmd = base.Cmd ?? null;
      if (base.Shell) out.Shell = base.Shell;
      else delete out.Shell;
    }
    if (out.Entrypoint === null || out.Entrypoint === undefined) out.Entrypoint = base.Entrypoint ?? null;
  }
  if (base.Healthcheck) out.Healthcheck = mergeHealthcheck(out.Healthcheck, base.Healthcheck);
  if (!out.WorkingDir) out.WorkingDir = base.WorkingDir ?? '';
  if (!out.Volumes || Object.keys(out.Volumes).length === 0) out.Volumes = base.Volumes ?? null;
  else out.Volumes = goOrder({ ...out.Volumes, ...(base.Volumes ?? {}) });
  if (out.Volumes) out.Volumes = goOrder(out.Volumes);
  if (!out.StopSignal && base.StopSignal) out.StopSignal = base.StopSignal;
  return out;
}

type Health = Record<string, unknown>;

/** The user's healthcheck with its unset (zero) fields taken from the container's. */
function mergeHealthcheck(user: unknown, base: unknown): unknown {
  if (!user) return base;
  const u: Health = { ...(user as Health) };
  const b = base as Health;
  if (!Array.isArray(u['Test']) || u['Test'].length === 0) u['Test'] = b['Test'];
  for (const k of ['Interval', 'Timeout', 'StartPeriod', 'Retries']) if (!u[k] && b[k]) u[k] = b[k];
  return u;
}

/** A history entry as Go re-marshals it: its fields in struct order, `created` always there. */
function historyEntry(h: HistoryEntry): HistoryEntry {
  const out: HistoryEntry = { created: goTime(h.created) };
  if (h.author) out.author = h.author;
  if (h.created_by) out.created_by = h.created_by;
  if (h.comment) out.comment = h.comment;
  if (h.empty_layer) out.empty_layer = true;
  return out;
}

export interface CommitImageInput {
  parent: ImageConfig;
  config: ContainerConfig;
  containerConfig: ContainerConfig;
  containerId: string;
  author: string;
  comment: string;
  /** The new layer's diffID; null when the container changed nothing (an empty layer). */
  diffId: string | null;
  created?: Date;
}

/** The config bytes of the committed image; keys sorted, as dockerd's Image.MarshalJSON writes them. */
export function commitImageConfig(input: CommitImageInput): Buffer {
  const { parent } = input;
  const created = goTime((input.created ?? new Date()).toISOString());
  const entry = historyEntry({
    created,
    author: input.author,
    created_by: (input.containerConfig.Cmd ?? []).join(' '),
    comment: input.comment,
    empty_layer: input.diffId === null,
  });
  const img: Record<string, unknown> = {
    architecture: parent.architecture || goArch(),
    ...(input.author ? { author: input.author } : {}),
    config: apiContainerConfig(input.config),
    container: input.containerId,
    container_config: apiContainerConfig(input.containerConfig),
    created,
    docker_version: VERSION,
    history: [...(parent.history ?? []).map(historyEntry), entry],
    os: parent.os || 'linux',
    ...(Array.isArray(parent['os.features']) && parent['os.features'].length ? { 'os.features': parent['os.features'] } : {}),
    ...(parent['os.version'] ? { 'os.version': parent['os.version'] } : {}),
    rootfs: { type: 'layers', diff_ids: [...parent.rootfs.diff_ids, ...(input.diffId ? [input.diffId] : [])] },
    ...(parent.variant ? { variant: parent.variant } : {}),
  };
  return Buffer.from(JSON.stringify(img));
}
