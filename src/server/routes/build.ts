import '../../jobs/build/types.js';
import type { RunHostConfig } from '../../builder/backend.js';
import { InvalidParameter, NotImplemented } from '../../engine/errors.js';
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
  if (raw) out.Ulimits = goUnmarshal(raw, 'error reading ulimit settings: ') as RunHostConfig['limits']['Ulimits'];
  const shm = q.int('shmsize', 0)!;
  if (shm) out.ShmSize = shm;
  const swap = int64OrZero(q, 'memswap');
  if (swap) out.MemorySwap = swap;
  // The rest of dockerd's RUN container resources (its builder's hostConfigFromOptions).
  const period = int64OrZero(q, 'cpuperiod');
  if (period) out.CpuPeriod = period;
  const quota = int64OrZero(q, 'cpuquota');
  if (quota) out.CpuQuota = quota;
  for (const [param, key] of [['cpusetcpus', 'CpusetCpus'], ['cpusetmems', 'CpusetMems'], ['cgroupparent', 'CgroupParent']] as const) {
    const v = q.string(param);
    if (v) out[key] = v;
  }
  return out;
}

/** dockerd's httputils.Int64ValueOrZero: a value that does not parse is 0, not an error. */
function int64OrZero(q: Query, name: string): number {
  const v = q.string(name) ?? '';
  return /^[+-]?\d+$/.test(v) ? Number(v) : 0;
}

/**
 * The options dockerd 20.10 reads and berth has no use for, checked as it checks
 * them: `outputs` must be JSON (BuildKit's exporters), `version` 1 or 2.
 */
function checkUnused(q: Query): void {
  const outputs = q.string('outputs');
  if (outputs) goUnmarshal(outputs);
  const version = q.string('version');
  if (version && version !== '1' && version !== '2') throw new InvalidParameter(`invalid version ${JSON.stringify(version)}`);
  if (version === '2') throw new NotImplemented('BuildKit (build version 2) is not implemented by berth: its builder is the classic one, version 1');
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
      checkUnused(q);
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
          cpuShares: int64OrZero(q, 'cpushares'),
          memory: int64OrZero(q, 'memory'),
          limits: limits(q),
        },
        platform: q.string('platform') ?? '',
        remote: q.string('remote') ?? '',
        registryAuth: decodeRegistryConfig(r.headers['x-registry-config']),
        buildId: q.string('buildid') ?? '',
      };
    },
  }),
  route({
    method: 'post', path: '/build/cancel', job: 'build_cancel', body: 'none', reply: 'empty', ok: 200,
    args: (r) => ({ id: r.query.string('id') ?? '' }),
  }),
  route({
    method: 'post', path: '/build/prune', job: 'build_prune', body: 'none',
    args: (r) => {
      // Read as dockerd's postPrune reads them, in its order: keep-storage, then filters.
      const keep = r.query.string('keep-storage');
      if (keep && !/^[+-]?\d+$/.test(keep)) {
        throw new InvalidParameter(`keep-storage is in bytes and expects an integer, got ${keep}: strconv.Atoi: parsing ${JSON.stringify(keep)}: invalid syntax`);
      }
      return { all: r.query.bool('all'), filters: r.query.filters('filters', 'could not parse filters: ') };
    },
  }),
];
