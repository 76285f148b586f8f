import type { ContainerConfig } from './types.js';

/*
 * Image and container configs as dockerd prints them after Go parsed them into its
 * structs: used by image inspect (src/jobs/images) and by the v1 JSON of docker save.
 */

/** Go's zero time, which dockerd prints for an image config without `created`. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

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
