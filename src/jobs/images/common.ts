import type { JobContext } from '../context.js';
import type { ContainerConfig, ImageConfig, ImageRecord } from '../../graph/types.js';

/** Go's zero time, which dockerd prints for an image config without `created`. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';
const ZERO_UNIX = -62135596800;

/**
 * A config's RFC 3339 time as dockerd prints it after Go parsed it: RFC3339Nano, so
 * trailing zeros of the fraction dropped (`…00.000Z` → `…00Z`) and a zero offset as `Z`.
 */
export function goTime(s: string | undefined): string {
  if (!s) return ZERO_TIME;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/.exec(s);
  if (!m) return s;
  const frac = (m[2] ?? '').slice(0, 9).replace(/0+$/, '');
  const zone = m[3] === 'z' || m[3] === 'Z' || m[3] === '+00:00' || m[3] === '-00:00' ? 'Z' : m[3]!;
  return `${m[1]}${frac ? `.${frac}` : ''}${zone}`;
}

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

/**
 * A container config as dockerd re-marshals its Go struct: every field present
 * (zero values where the JSON had none), the `omitempty` ones only when set.
 */
export function apiContainerConfig(c: ContainerConfig | undefined): ContainerConfig {
  const src = c ?? {};
  const out: ContainerConfig = {
    Hostname: src.Hostname ?? '',
    Domainname: src.Domainname ?? '',
    User: src.User ?? '',
    AttachStdin: src.AttachStdin ?? false,
    AttachStdout: src.AttachStdout ?? false,
    AttachStderr: src.AttachStderr ?? false,
  };
  if (src.ExposedPorts && Object.keys(src.ExposedPorts).length) out.ExposedPorts = src.ExposedPorts;
  Object.assign(out, { Tty: src.Tty ?? false, OpenStdin: src.OpenStdin ?? false, StdinOnce: src.StdinOnce ?? false, Env: src.Env ?? null, Cmd: src.Cmd ?? null });
  if (src.Healthcheck) out.Healthcheck = src.Healthcheck;
  if (src.ArgsEscaped) out.ArgsEscaped = true;
  Object.assign(out, { Image: src.Image ?? '', Volumes: src.Volumes ?? null, WorkingDir: src.WorkingDir ?? '', Entrypoint: src.Entrypoint ?? null });
  for (const k of ['NetworkDisabled', 'MacAddress'] as const) if (src[k]) out[k] = src[k];
  Object.assign(out, { OnBuild: src.OnBuild ?? null, Labels: src.Labels ?? null });
  for (const k of ['StopSignal', 'StopTimeout', 'Shell']) if (src[k] !== undefined && src[k] !== null && src[k] !== '') out[k] = src[k];
  return out;
}
