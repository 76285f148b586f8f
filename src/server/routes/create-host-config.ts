/**
 * The HostConfig of `POST /containers/create` as dockerd 20.10 decodes it
 * (runconfig's ContainerConfigWrapper and getHostConfig): the wrapper also embeds a
 * container.HostConfig, so HostConfig fields given at the top level of the body are
 * read too. docker-py's create_container(runtime=...) sends `Runtime` there. The top
 * level is the HostConfig when the body has none; next to one, only Memory,
 * MemorySwap, CpuShares, CpusetCpus and VolumeDriver fill its unset values. The
 * wrapper's own deprecated `Cpuset` fills an unset CpusetCpus.
 */
import type { CreateBody } from '../../jobs/containers/types.js';
import { checkGoBody, struct, type GoType } from '../go-decode.js';
import { containerConfigWrapper, hostConfig } from './go-types.js';

const hostFields = (hostConfig as GoType & { kind: 'struct' }).fields;
const configFields = containerConfigWrapper.fields;
const outerType = struct('container.ContainerConfigWrapper', hostFields) as GoType & { kind: 'struct' };

/** Keys of getHostConfig's merge: the outer value counts where the inner one is zero. */
const FILLED = ['Memory', 'MemorySwap', 'CpuShares', 'CpusetCpus', 'VolumeDriver'];

const isZero = (v: unknown): boolean => v === undefined || v === null || v === 0 || v === '';

/** The body with the top-level HostConfig fields folded into HostConfig, as dockerd reads it. */
export function withTopLevelHostConfig(body: CreateBody): CreateBody {
  const raw = body as Record<string, unknown>;
  const outer: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k in hostFields && !(k in configFields)) outer[k] = v;
  }
  const cpuset = typeof raw['Cpuset'] === 'string' ? raw['Cpuset'] : '';
  if (Object.keys(outer).length === 0 && !cpuset) return body;
  // Checked as Go decodes them: fields of the wrapper itself in its errors.
  checkGoBody(outer, outerType);
  const inner = body.HostConfig ? { ...body.HostConfig } as Record<string, unknown> : null;
  let hc: Record<string, unknown> | null = inner;
  if (inner && Object.keys(outer).length > 0) {
    for (const k of FILLED) if (!isZero(outer[k]) && isZero(inner[k])) inner[k] = outer[k];
  } else if (!inner && Object.keys(outer).length > 0) {
    hc = outer;
  }
  if (hc && cpuset && isZero(hc['CpusetCpus'])) hc['CpusetCpus'] = cpuset;
  return hc ? { ...body, HostConfig: hc as CreateBody['HostConfig'] } : body;
}
