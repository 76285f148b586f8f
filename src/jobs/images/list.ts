import type { Handler } from '../context.js';
import { InvalidParameter } from '../../engine/errors.js';
import { checkFilters, matchLabels } from '../../graph/filters.js';
import { familiarMatch, familiarOf } from '../../graph/reference.js';
import type { ImageRecord } from '../../graph/types.js';
import type { ImageSummary } from './types.js';
import { createdMs, labelsOf, unixOf } from './common.js';

const FILTERS = ['dangling', 'label', 'before', 'since', 'reference'] as const;

/**
 * `GET /images/json`, as dockerd's Images(): by default top-level images only (an
 * untagged image that is some image's parent is hidden unless `all`); untagged ones
 * show as `<none>:<none>`; newest first.
 */
export const imageList: Handler<'image_list'> = async (job, { graph }) => {
  const { all, filters } = job.args;
  checkFilters(filters, FILTERS);
  const plain = !all && Object.keys(filters).length === 0;
  const kept = plain ? plainLists.get(graph) : undefined;
  if (kept?.generation === graph.generation) return kept.list;
  const list = summaries(graph, all, filters);
  if (plain) plainLists.set(graph, { generation: graph.generation, list });
  return list;
};

type Graph = Parameters<Handler<'image_list'>>[1]['graph'];

/**
 * The plain listing (`docker images`, and clients that poll it), kept until the graph
 * changes: nothing in it depends on anything else. Shared between callers, who only
 * serialise it (the front door also keeps its JSON while it is the same array).
 */
const plainLists = new WeakMap<Graph, { generation: number; list: ImageSummary[] }>();

/**
 * `dangling=` as dockerd 20.10's Images reads it: exactly `true` (if any value is) or
 * `false`; anything else (`1`, `TRUE`) is refused, unlike prune's ParseBool.
 */
function danglingFilter(values: readonly string[] | undefined): boolean | undefined {
  if (!values || values.length === 0) return undefined;
  if (values.includes('true')) return true;
  if (values.includes('false')) return false;
  throw new InvalidParameter(`Invalid filter 'dangling=[${values.join(' ')}]'`);
}

/** The listing as dockerd's ImageService.Images builds it, newest first; `system df` uses it too. */
export function summaries(graph: Graph, all: boolean, filters: Parameters<Handler<'image_list'>>[0]['args']['filters']): ImageSummary[] {
  const dangling = danglingFilter(filters.dangling);
  const before = bound(graph, filters.before);
  const since = bound(graph, filters.since);
  const patterns = filters.reference ?? [];
  const images = graph.listImages();
  const parents = new Set(images.map((i) => i.parent).filter((p): p is string => p !== null));

  const out: { ms: number; s: ImageSummary }[] = [];
  for (const img of images) {
    const ms = createdMs(img);
    if (dangling === true && parents.has(img.id)) continue; // dockerd lists only heads then
    if (before !== undefined && ms >= before) continue;
    if (since !== undefined && ms <= since) continue;
    if (filters.label && !matchLabels(filters.label, labelsOf(img.config))) continue;
    const keep = (r: string) => patterns.length === 0 || patterns.some((p) => familiarMatch(p, r));
    let tags: string[] | null = img.tags.filter(keep).map(familiarOf);
    let digests: string[] | null = img.digests.filter(keep).map(familiarOf);
    if (!tags.length && !digests.length) {
      if (!all && parents.has(img.id)) continue;
      if (dangling === false || patterns.length) continue;
      tags = ['<none>:<none>'];
      digests = ['<none>@<none>'];
    } else if (dangling === true && tags.length) {
      continue;
    }
    const size = graph.imageSize(img);
    out.push({ ms, s: summary(img, size, tags.length ? tags : null, digests.length ? digests : null) });
  }
  return out.sort((a, b) => b.ms - a.ms).map((e) => e.s);
}

function summary(img: ImageRecord, size: number, tags: string[] | null, digests: string[] | null): ImageSummary {
  return {
    Containers: -1,
    Created: unixOf(img.config.created),
    Id: img.id,
    Labels: labelsOf(img.config),
    ParentId: img.parent ?? '',
    // dockerd leaves these nil (JSON null) when the image has none of the kind.
    RepoDigests: digests,
    RepoTags: tags,
    SharedSize: -1,
    Size: size,
    VirtualSize: size,
  };
}

/** The creation time of the image a `before`/`since` filter names (the last value wins). */
function bound(graph: Graph, values: string[] | undefined): number | undefined {
  if (!values || values.length === 0) return undefined;
  const name = values[values.length - 1]!;
  if (name === '') throw new InvalidParameter('invalid filter value: empty image reference');
  return createdMs(graph.resolve(name));
}
