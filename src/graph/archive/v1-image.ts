import { createHash } from 'node:crypto';
import { goMap } from '../../engine/go-map.js';
import { apiContainerConfig, goTime } from '../go-config.js';
import type { ContainerConfig, ImageConfig } from '../types.js';

/*
 * The legacy v1 image of a saved layer directory, as dockerd 20.10's saveImage makes
 * it: its image.V1Image struct (the image's own fields for the top layer, only a 1970
 * `created` below it) marshalled by Go, and the directory's name from v1.CreateID, so
 * `docker save` names and fills the directories as dockerd does.
 */

/** JSON as Go's encoding/json writes it: `<`, `>`, `&`, U+2028/9 escaped, \b and \f as \u00XX. */
export function goJson(v: unknown): string {
  return JSON.stringify(v).replace(/\\.|[<>&\u2028\u2029]/g, (m) => {
    if (m === '\\b') return '\\u0008';
    if (m === '\\f') return '\\u000c';
    if (m.length === 2) return m;
    return `\\u${m.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** container.Config as Go marshals it: struct order, omitempty, its maps sorted. */
function goConfig(c: ContainerConfig | undefined): ContainerConfig {
  const out = apiContainerConfig(c);
  for (const k of ['ExposedPorts', 'Volumes', 'Labels'] as const) {
    if (out[k]) (out as Record<string, unknown>)[k] = goMap(out[k] as Record<string, unknown>);
  }
  return out;
}

/** Go's time.Unix(0, 0) in UTC, the `created` of every layer below the top one. */
const UNIX_EPOCH = '1970-01-01T00:00:00Z';

/**
 * The V1Image fields in Go's order, without id and parent: the image's for the top
 * layer (`cfg`), a bare one (`null`) below it.
 */
export function v1Fields(cfg: ImageConfig | null): Record<string, unknown> {
  if (!cfg) return { created: UNIX_EPOCH, container_config: goConfig(undefined) };
  const out: Record<string, unknown> = {};
  if (cfg.comment) out['comment'] = cfg.comment;
  out['created'] = goTime(cfg.created);
  if (cfg.container) out['container'] = cfg.container;
  out['container_config'] = goConfig(cfg.container_config);
  if (cfg.docker_version) out['docker_version'] = cfg.docker_version;
  if (cfg.author) out['author'] = cfg.author;
  if (cfg.config) out['config'] = goConfig(cfg.config);
  if (cfg.architecture) out['architecture'] = cfg.architecture;
  if (cfg.variant) out['variant'] = cfg.variant;
  if (cfg.os) out['os'] = cfg.os;
  if (typeof cfg['Size'] === 'number' && cfg['Size'] !== 0) out['Size'] = cfg['Size'];
  return out;
}

/**
 * v1.CreateID: the sha256 of the V1Image's JSON with `layer_id` (the chain) and
 * `parent` (the directory below, as a digest) added, keys sorted as a Go map's.
 */
export function v1Id(fields: Record<string, unknown>, chainId: string, parentId: string): string {
  const all: Record<string, unknown> = { ...fields, layer_id: chainId };
  if (parentId) all['parent'] = `sha256:${parentId}`;
  return createHash('sha256').update(goJson(goMap(all))).digest('hex');
}

/** The directory's `json`: the V1Image with its id, parent and the image's os set. */
export function v1Json(fields: Record<string, unknown>, id: string, parentId: string, os: string): Buffer {
  const { comment, ...rest } = fields;
  const out: Record<string, unknown> = { id, ...(parentId ? { parent: parentId } : {}), ...(comment ? { comment } : {}), ...rest };
  // os is set on every layer's V1Image after its ID is made; it keeps its place after variant.
  const size = out['Size'];
  delete out['os'];
  delete out['Size'];
  if (os) out['os'] = os;
  if (size !== undefined) out['Size'] = size;
  return Buffer.from(goJson(out));
}
