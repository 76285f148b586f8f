import type { Writable } from 'node:stream';
import { containerNetworks } from '../../network/view.js';
import type { Handler, JobContext } from '../context.js';
import { containersOf } from './common.js';
import { compileFilters } from './filters.js';
import { linkNames } from './links.js';
import { rowJson } from './list-json.js';
import { mountsView } from './mounts.js';
import { statusText } from './state.js';
import type { ContainerRecord, ContainerSummary } from './types.js';
import { commandLine, networks, ports, sizes } from './view.js';

/**
 * A row's `NetworkSettings.Networks`: only that part of the container's network
 * settings, not the whole of them (ports, sandbox) that inspect builds and ps drops.
 */
function rowNetworks(c: ContainerRecord, ctx: JobContext): Record<string, unknown> {
  return ctx.network ? containerNetworks(ctx.network, c) : networks(c);
}

/**
 * `GET /containers/json`: newest first; only running ones unless `all`, a `limit`,
 * or a before/since filter asks for more (as dockerd's reducer decides). Each
 * container's creation time is parsed once: in the sort's comparator, 1000
 * containers cost some 20,000 parses.
 */
export const containerList: Handler<'container_list'> = async (job, ctx) => {
  const store = containersOf(ctx);
  const { all, limit, size, filters } = job.args;
  const { match, hasBeforeSince } = compileFilters(ctx, store, filters);
  const everyone = all || limit > 0 || hasBeforeSince || (filters.status?.length ?? 0) > 0;
  let list: { c: ContainerRecord; created: number }[] = [];
  for (const c of store.all()) {
    if ((everyone || c.State.Running) && match(c)) list.push({ c, created: Date.parse(c.Created) });
  }
  // Stable: equal times keep the store's order, as before.
  list.sort((a, b) => b.created - a.created);
  if (limit > 0) list = list.slice(0, limit);
  const now = Date.now();
  const aliases = linkNames(store.all());
  const rows: string[] = [];
  for (const { c, created } of list) {
    // dockerd's list type has both sizes `omitempty` (a container that wrote nothing has
    // no SizeRw) and right after Ports, where its JSON shows them.
    const sz = size ? await sizes(ctx, c) : null;
    const row: ContainerSummary = {
      Id: c.Id,
      Names: [c.Name, ...(aliases.get(c.Name) ?? [])],
      Image: String(c.Config.Image ?? ''),
      ImageID: c.Image,
      Command: commandLine(c),
      Created: Math.floor(created / 1000),
      Ports: ports(c, ctx),
      ...(sz?.SizeRw ? { SizeRw: sz.SizeRw } : {}),
      ...(sz?.SizeRootFs ? { SizeRootFs: sz.SizeRootFs } : {}),
      Labels: c.Config.Labels ?? {},
      State: c.State.Status,
      Status: statusText(c.State, now),
      HostConfig: { NetworkMode: String(c.HostConfig.NetworkMode ?? 'default') },
      NetworkSettings: { Networks: rowNetworks(c, ctx) },
      Mounts: mountsView(c),
    };
    rows.push(rowJson(c, row));
  }
  send(rows, job.stdout!);
};

/** Chunks under V8's and malloc's large-allocation sizes: those cost page faults every time. */
const CHUNK = 32 * 1024;

/**
 * The answer streamed in chunks, as dockerd's encoder does (chunked, no length). The
 * whole of 1000 rows as one string (650 kB) was made, flattened, measured and
 * encoded again as one fresh allocation each time, each faulting its pages in: on
 * this kind of virtual machine that cost more than building the rows. The first
 * chunk also reaches the client before the last row is serialised.
 */
function send(rows: string[], out: Writable): void {
  let chunk = '[';
  for (let i = 0; i < rows.length; i++) {
    chunk += (i ? ',' : '') + rows[i];
    if (chunk.length >= CHUNK) {
      out.write(chunk);
      chunk = '';
    }
  }
  out.end(`${chunk}]\n`);
}
