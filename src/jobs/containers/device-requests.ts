import { InvalidParameter } from '../../engine/errors.js';
import type { HostConfig } from './types.js';

interface DeviceRequest {
  Driver?: string;
  Capabilities?: string[][] | null;
}

/** Go's `%v` of a `[][]string`: `[[gpu]]`, `[[compute gpu]]`, `[]` for none. */
function goCapabilities(caps: string[][] | null | undefined): string {
  return `[${(caps ?? []).map((set) => `[${set.join(' ')}]`).join(' ')}]`;
}

/**
 * `--gpus` and other device requests, checked at start as dockerd's createSpec does:
 * a request is served by a registered device driver (dockerd registers NVIDIA's when
 * its container runtime hook is installed). berth has none, so any request fails
 * the start in dockerd's words; the create is kept, as dockerd keeps it.
 */
export function checkDeviceRequests(h: HostConfig): void {
  const requests = Array.isArray(h['DeviceRequests']) ? (h['DeviceRequests'] as DeviceRequest[]) : [];
  const [first] = requests;
  if (!first) return;
  throw new InvalidParameter(`could not select device driver ${JSON.stringify(first.Driver ?? '')} with capabilities: ${goCapabilities(first.Capabilities)}`);
}
