import type { JobContext } from '../context.js';
import type { ImageConfig, ImageRecord } from '../../graph/types.js';

// Kept in the graph, which the save archive's v1 JSON needs too; re-exported for the jobs.
export { ZERO_TIME, apiContainerConfig, goTime } from '../../graph/go-config.js';

const ZERO_UNIX = -62135596800;

/** The image's creation time in unix seconds (dockerd's `Created` of summaries and history). */
export function unixOf(created: string | undefined): number {
  if (!created) return ZERO_UNIX;
  const t = Date.parse(created);
  return Number.isNaN(t) ? ZERO_UNIX : Math.floor(t / 1000);
}

/** Creation time in ms for ordering and `before`/`since`/`until`; the zero time when absent. */
export function createdMs(img: ImageRecord): number {
  return unixOf(img.config.created) * 1000 + subMs(img.config.created);
}

function subMs(created: string | undefined): number {
  const t = created ? Date.parse(created) : Number.NaN;
  return Number.isNaN(t) ? 0 : ((t % 1000) + 1000) % 1000;
}

export function labelsOf(config: ImageConfig): Record<string, string> | null {
  return config.config?.Labels ?? null;
}

/**
 * Publish an image event as dockerd's LogImageEvent: the image's labels as
 * attributes, plus `name` (the reference acted on, or the image ID).
 */
export function imageEvent(ctx: JobContext, action: string, imageId: string, name: string): void {
  const attributes: Record<string, string> = {};
  const img = ctx.graph.findImage(imageId);
  const labels = img ? labelsOf(img.config) : null;
  if (labels) Object.assign(attributes, labels);
  attributes.name = name;
  ctx.events.publish({ Type: 'image', Action: action, id: imageId, attributes });
}
