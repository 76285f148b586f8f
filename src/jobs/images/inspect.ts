import type { Handler } from '../context.js';
import { InvalidParameter, NotFound } from '../../engine/errors.js';
import type { Graph } from '../../graph/graph.js';
import type { ImageRecord } from '../../graph/types.js';
import { familiarOf } from '../../graph/reference.js';
import type { ImageInspect } from './types.js';
import { apiContainerConfig, goTime, ZERO_TIME } from './common.js';

/** `GET /images/{name}/json`: the image as dockerd's LookupImage reports it. */
export const imageInspect: Handler<'image_inspect'> = async (job, { graph }) => {
  const img = lookup(graph, job.args.name);
  const c = img.config;
  const size = graph.imageSize(img);
  const history = c.history ?? [];
  const tagged = graph.lastTagTime(img.id);
  const out: ImageInspect = {
    Id: img.id,
    RepoTags: img.tags.map(familiarOf),
    RepoDigests: img.digests.map(familiarOf),
    Parent: img.parent ?? '',
    Comment: c.comment || history.at(-1)?.comment || '',
    Created: goTime(c.created),
    Container: c.container ?? '',
    ContainerConfig: apiContainerConfig(c.container_config),
    DockerVersion: c.docker_version ?? '',
    Author: c.author ?? '',
    Config: c.config ? apiContainerConfig(c.config) : null,
    Architecture: c.architecture ?? '',
    Os: c.os ?? '',
    Size: size,
    VirtualSize: size,
    GraphDriver: { Data: img.topLayer ? graph.driver.metadata(graph.getLayer(img.topLayer).cacheId) : null, Name: graph.driver.name },
    RootFS: { Type: c.rootfs.type },
    Metadata: { LastTagTime: tagged === null ? ZERO_TIME : goTime(new Date(tagged).toISOString()) },
  };
  if (c.variant) out.Variant = c.variant;
  if (c.rootfs.diff_ids.length) out.RootFS.Layers = c.rootfs.diff_ids;
  return reorder(out);
};

/** dockerd's inspect wraps the lookup error with the name as given. */
function lookup(graph: Graph, name: string): ImageRecord {
  try {
    return graph.resolve(name);
  } catch (err) {
    const wrapped = `no such image: ${name}: ${(err as Error).message}`;
    if (err instanceof NotFound) throw new NotFound(wrapped, { cause: err });
    if (err instanceof InvalidParameter) throw new InvalidParameter(wrapped, { cause: err });
    throw err;
  }
}

/** Variant sits between Architecture and Os in dockerd's output; keep the key order the CLI's templates show. */
function reorder(o: ImageInspect): ImageInspect {
  const { Variant, Os, Size, VirtualSize, GraphDriver, RootFS, Metadata, ...head } = o;
  return { ...head, ...(Variant ? { Variant } : {}), Os, Size, VirtualSize, GraphDriver, RootFS, Metadata };
}
