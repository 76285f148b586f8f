import { InvalidParameter, NotFound } from '../../engine/errors.js';
import { containerNetworks } from '../../network/view.js';
import { checkFilterKeys, type Filters } from '../../server/query.js';
import type { JobContext } from '../context.js';
import { mountsMatch } from './mounts.js';
import { portFilter } from './port-filter.js';
import { ports } from './view.js';
import type { ContainerStore } from './store.js';
import type { ContainerRecord } from './types.js';

/** The keys dockerd 20.10's container listing accepts. */
const KEYS = ['ancestor', 'before', 'expose', 'exited', 'health', 'id', 'isolation', 'is-task', 'label', 'name',
  'network', 'publish', 'since', 'status', 'volume'];
/** dockerd's IsValidHealthString: `none` is a container without a healthcheck. */
const HEALTH = ['starting', 'healthy', 'unhealthy', 'none'];
const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];

export type Predicate = (c: ContainerRecord) => boolean;

/** dockerd's Match: a value matches if, read as a regular expression, it finds the subject (or equals it). */
function matchAny(values: string[] | undefined, subject: string): boolean {
  if (!values || values.length === 0) return true;
  return values.some((v) => {
    if (v === subject) return true;
    try { return new RegExp(v).test(subject); } catch { return false; }
  });
}

/** `label=k` or `label=k=v`: every one of them must hold. */
function matchLabels(values: string[] | undefined, labels: Record<string, string>): boolean {
  return (values ?? []).every((v) => {
    const eq = v.indexOf('=');
    return eq < 0 ? v in labels : labels[v.slice(0, eq)] === v.slice(eq + 1);
  });
}

/**
 * Compile `filters` into a predicate, validating as dockerd 20.10's foldFilter does,
 * with its messages. `isolation` matches all (Linux knows only `default`).
 */
export function compileFilters(ctx: JobContext, store: ContainerStore, filters: Filters): {
  match: Predicate; hasBeforeSince: boolean;
} {
  checkFilterKeys(filters, KEYS);
  for (const s of filters.status ?? []) {
    if (!STATUSES.includes(s)) throw new InvalidParameter(`Invalid filter 'status=${s}'`);
  }
  for (const h of filters.health ?? []) {
    if (!HEALTH.includes(h)) throw new InvalidParameter(`Unrecognised filter value for health: ${h}`);
  }
  const exited = (filters.exited ?? []).map((v) => {
    // Go's strconv.Atoi, whose error dockerd passes on as it is.
    if (!/^[+-]?\d+$/.test(v)) throw new InvalidParameter(`strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`);
    return Number(v);
  });
  const isTask = filters['is-task'];
  if (isTask && !(isTask.includes('true') || isTask.includes('false'))) {
    throw new InvalidParameter(`Invalid filter 'is-task=[${isTask.join(' ')}]'`);
  }
  // berth runs no swarm tasks: `is-task=true` matches nothing.
  const tasksOnly = isTask?.includes('true') === true;
  const published = portFilter('publish', filters.publish ?? []);
  const exposed = portFilter('expose', filters.expose ?? []);
  const created = (key: 'before' | 'since') => (filters[key] ?? []).map((ref) => {
    try {
      return Date.parse(store.get(ref).Created);
    } catch (err) {
      // dockerd's view.Get error, not the API's "No such container: x".
      if (err instanceof NotFound) throw new NotFound(`no such container ${ref}`, { cause: err });
      throw err;
    }
  });
  const before = created('before');
  const since = created('since');
  const ancestors = new Set<string>();
  for (const ref of filters.ancestor ?? []) {
    try { ancestors.add(ctx.graph.resolve(ref).id); } catch { /* an unknown image is no ancestor of anything */ }
  }
  const match: Predicate = (c) => {
    if (filters.status && !filters.status.includes(c.State.Status)) return false;
    // dockerd tries the name with and without its leading slash (`^web$` matches /web).
    if (!matchAny(filters.name, c.Name) && !matchAny(filters.name, c.Name.replace(/^\//, ''))) return false;
    if (!matchAny(filters.id, c.Id)) return false;
    if (!matchLabels(filters.label, c.Config.Labels ?? {})) return false;
    if (exited.length > 0 && (c.State.Running || c.State.Status === 'created' || !exited.includes(c.State.ExitCode))) return false;
    const t = Date.parse(c.Created);
    if (before.some((b) => t >= b)) return false;
    if (since.some((s) => t <= s)) return false;
    if (filters.ancestor && !ancestors.has(c.Image)) return false;
    if (filters.volume && !mountsMatch(filters.volume, c)) return false;
    if (filters.health && !filters.health.includes(c.State.Health?.Status ?? 'none')) return false;
    if (tasksOnly) return false;
    if (filters.network?.length && !onNetwork(ctx, c, filters.network)) return false;
    if (published.size + exposed.size > 0) {
      // As dockerd: against the listing's Ports, so only running containers' ports count.
      const rows = ports(c, ctx) as Array<{ PrivatePort?: number; PublicPort?: number; Type?: string }>;
      if (!rows.some((p) => published.has(`${p.PublicPort ?? 0}/${p.Type}`) || exposed.has(`${p.PrivatePort}/${p.Type}`))) return false;
    }
    return true;
  };
  return { match, hasBeforeSince: before.length + since.length > 0 };
}

/** `network=`: a network the container is on, by name or by a prefix of its ID. */
function onNetwork(ctx: JobContext, c: ContainerRecord, values: string[]): boolean {
  if (!ctx.network) return true;
  const nets = containerNetworks(ctx.network, c) as Record<string, { NetworkID?: string }>;
  return values.some((v) => v in nets || Object.values(nets).some((n) => !!n?.NetworkID && n.NetworkID.startsWith(v)));
}
