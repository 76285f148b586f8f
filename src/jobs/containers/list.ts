import type { Handler } from '../context.js';
import { containersOf } from './common.js';
import { compileFilters } from './filters.js';
import { mountsView } from './mounts.js';
import { statusText } from './state.js';
import type { ContainerSummary } from './types.js';
import { commandLine, networks, ports, sizes } from './view.js';

/**
 * `GET /containers/json`: newest first; only running ones unless `all`, a `limit`,
 * or a before/since filter asks for more (as dockerd's reducer decides).
 */
export const containerList: Handler<'container_list'> = async (job, ctx) => {
  const store = containersOf(ctx);
  const { all, limit, size, filters } = job.args;
  const { match, hasBeforeSince } = compileFilters(ctx, store, filters);
  const everyone = all || limit > 0 || hasBeforeSince || (filters.status?.length ?? 0) > 0;
  let list = store.all()
    .filter((c) => everyone || c.State.Running)
    .filter(match)
    .sort((a, b) => Date.parse(b.Created) - Date.parse(a.Created));
  if (limit > 0) list = list.slice(0, limit);
  const now = Date.now();
  const out: ContainerSummary[] = [];
  for (const c of list) {
    const row: ContainerSummary = {
      Id: c.Id,
      Names: [c.Name],
      Image: String(c.Config.Image ?? ''),
      ImageID: c.Image,
      Command: commandLine(c),
      Created: Math.floor(Date.parse(c.Created) / 1000),
      Ports: ports(c, ctx),
      Labels: c.Config.Labels ?? {},
      State: c.State.Status,
      Status: statusText(c.State, now),
      HostConfig: { NetworkMode: String(c.HostConfig.NetworkMode ?? 'default') },
      NetworkSettings: { Networks: networks(c, ctx) },
      Mounts: mountsView(c),
    };
    if (size) Object.assign(row, await sizes(ctx, c));
    out.push(row);
  }
  return out;
};
