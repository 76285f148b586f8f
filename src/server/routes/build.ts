import '../../jobs/build/types.js';
import type { RunHostConfig } from '../../builder/backend.js';
import { InvalidParameter } from '../../engine/errors.js';
import { parseNamed } from '../../graph/reference.js';
import { decodeRegistryConfig } from '../../graph/registry/auth-header.js';
import { unmarshalTypeError } from '../go-decode.js';
import { goUnmarshal, type Query } from '../query.js';
import { route, type Route } from '../route.js';

/**
 * A JSON-object query parameter (`buildargs`, `labels`); `{}` when absent. Read as
 * dockerd's newImageBuildOptions reads it, with json.Unmarshal, its errors after
 * `error reading <words>: `.
 */
function jsonMap(q: Query, name: string, words: string, type: string): Record<string, string | null> {
  const raw = q.string(name);
  if (!raw) return {};
  const context = `error reading ${words}: `;
  const v = goUnmarshal(raw, context);
  if (v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw unmarshalTypeError(v, type, context);
  for (const x of Object.values(v as object)) if (x !== null && typeof x !== 'string') throw unmarshalTypeError(x, 'string', context);
  return v as Record<string, string | null>;
}

/** A JSON-array query parameter (`cachefrom`); [] when absent. */
function jsonList(q: Query, name: string): string[] {
  const raw = q.string(name);
  if (!raw) return [];
  const v = goUnmarshal(raw);
  if (v === null) return [];
  if (!Array.isArray(v)) throw unmarshalTypeError(v, '[]string');
  for (const x of v as unknown[]) if (x !== null && typeof x !== 'string') throw unmarshalTypeError(x, 'string');
  return (v as (string | null)[]).map((x) => x ?? '');
}

/**
 * The RUN containers' limits, and the options dockerd refuses on Linux (its
 * newImageBuildOptions): an isolation other than the default, any --security-opt.
 */
function limits(q: Query): RunHostConfig['limits'] {
  const isolation = q.string('isolation') ?? '';
  if (isolation !== '' && isolation.toLowerCase() !== 'default') throw new InvalidParameter(`Unsupported isolation: ${JSON.stringify(isolation)}`);
  if (q.all('securityopt').length) throw new InvalidParameter('The daemon on this platform does not support setting security options on build');
  const out: RunHostConfig['limits'] = {};
  const raw = q.string('ulimits');
  if (raw) {
    try {
      out.Ulimits = JSON.parse(raw) as RunHostConfig['limits']['Ulimits'];
    } catch (err) {
      throw new InvalidParameter(`error reading ulimit settings: ${(err as Error).message}`);
    }
  }
  const shm = q.int('shmsize', 0)!;
  if (shm) out.ShmSize = shm;
  const swap = q.int('memswap', 0)!;
  if (swap) out.MemorySwap = swap;
  return out;
}

/** `-t` values checked before anything is built, as dockerd does. */
function tags(q: Query): string[] {
  const out: string[] = [];
  for (const t of q.all('t')) {
    if (t === '') continue;
    try {
      parseNamed(t);
    } catch {
      throw new InvalidParameter(`invalid reference format: repository name must be lowercase`);
    }
    out.push(t);
  }
  return out;
}

/** The legacy builder. */
export const buildRoutes: Route[] = [
  route({
    method: 'post', path: '/build', job: 'image_build', body: 'stream', reply: 'json-stream',
    args: (r) => {
      const q = r.query;
      const labels = jsonMap(q, 'labels', 'labels', 'map[string]string');
      return {
        tags: tags(q),
        dockerfile: q.string('dockerfile') ?? '',
        buildArgs: new Map(Object.entries(jsonMap(q, 'buildargs', 'build args', 'map[string]*string'))),
        target: q.string('target') ?? '',
        noCache: q.bool('nocache'),
        cacheFrom: jsonList(q, 'cachefrom'),
        pull: q.bool('pull'),
        quiet: q.bool('q'),
        labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, v ?? ''])),
        rm: q.bool('rm', true),
        forceRm: q.bool('forcerm'),
        host: {
          networkMode: q.string('networkmode') || 'default',
          extraHosts: q.all('extrahosts').flatMap((h) => h.split(',')).filter((h) => h !== ''),
          cpuShares: q.int('cpushares', 0)!,
          memory: q.int('memory', 0)!,
          limits: limits(q),
        },
        platform: q.string('platform') ?? '',
        remote: q.string('remote') ?? '',
        registryAuth: decodeRegistryConfig(r.headers['x-registry-config']),
      };
    },
  }),
  route({
    method: 'post', path: '/build/prune', job: 'build_prune', body: 'none',
    args: (r) => ({ all: r.query.bool('all') }),
  }),
];
