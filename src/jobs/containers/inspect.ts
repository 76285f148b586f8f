import type { Handler } from '../context.js';
import { containerExecIds } from '../exec/registry.js';
import { containersOf } from './common.js';
import { hostFilePaths } from './host-files.js';
import { shownLinks } from './links.js';
import { mountsView } from './mounts.js';
import { networkSettings, sizes } from './view.js';

function logDriverOf(c: { HostConfig: Record<string, unknown> }): string {
  const type = (c.HostConfig['LogConfig'] as { Type?: string } | undefined)?.Type;
  return type || 'json-file';
}

/** `GET /containers/{id}/json`: dockerd 20.10's ContainerJSON, key for key. */
export const containerInspect: Handler<'container_inspect'> = async (job, ctx) => {
  const c = containersOf(ctx).get(job.args.name);
  const graphData = ctx.graph.driver.exists(c.Id) ? ctx.graph.driver.metadata(c.Id) : null;
  const out: Record<string, unknown> = {
    Id: c.Id,
    Created: c.Created,
    Path: c.Path,
    Args: c.Args,
    State: c.State,
    Image: c.Image,
    // Set at the first start by the container's network setup and logger; empty until then, as dockerd.
    ...(c.LogPath ? hostFilePaths(ctx, c) : { ResolvConfPath: '', HostnamePath: '', HostsPath: '' }),
    // Only the json-file driver tells dockerd a path (local and none keep theirs to themselves).
    LogPath: logDriverOf(c) === 'json-file' ? c.LogPath ?? '' : '',
    Name: c.Name,
    RestartCount: c.RestartCount,
    Driver: c.Driver,
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: containerExecIds(ctx, c.Id),
    HostConfig: { ...c.HostConfig, Links: shownLinks(c.HostConfig) },
  };
  if (job.args.size) Object.assign(out, await sizes(ctx, c));
  Object.assign(out, {
    GraphDriver: { Data: graphData, Name: c.Driver },
    Mounts: mountsView(c),
    Config: c.Config,
    NetworkSettings: networkSettings(c, ctx),
  });
  return out;
};
