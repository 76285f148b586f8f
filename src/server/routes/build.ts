import '../../jobs/build/types.js';
import type { RunHostConfig } from '../../builder/backend.js';
import { InvalidParameter } from '../../engine/errors.js';
import { parseNamed } from '../../graph/reference.js';
import { decodeRegistryConfig } from '../../graph/registry/auth-header.js';
import type { Query } from '../query.js';
import { route, type Route } from '../route.js';

/** A JSON-object query parameter (`buildargs`, `labels`); `{}` when absent. */
function jsonMap(q: Query, name: string): Record<string, string | null> {
  const raw = q.string(name);
  if (!raw) return {};
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new InvalidParameter(`error reading ${name}: ${raw}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new InvalidParameter(`error reading ${name}: ${raw}`);
  return v as Record<string, string | null>;
}

/** A JSON-array query parameter (`cachefrom`); [] when absent. */
function jsonList(q: Query, name: string): string[] {
  const raw = q.string(name);
  if (!raw) return [];
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new InvalidParameter(`error reading ${name}: ${raw}`);
  }
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new InvalidParameter(`error reading ${name}: ${raw}`);
  return v as string[];
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
      const labels = jsonMap(q, 'labels');
      return {
        tags: tags(q),
        dockerfile: q.string('dockerfile') ?? '',
        buildArgs: new Map(Object.entries(jsonMap(q, 'buildargs'))),
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
