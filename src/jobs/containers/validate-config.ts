import { InvalidParameter } from '../../engine/errors.js';
import { parseSignal } from './signals.js';
import type { CreateBody } from './types.js';

/** The runtime names dockerd 20.10 knows out of the box, and berth's own (its `info`). */
const RUNTIMES = ['', 'runc', 'io.containerd.runc.v2', 'io.containerd.runtime.v1.linux', 'berth'];

/**
 * The checks dockerd's verifyContainerSettings makes on the request before the image
 * is looked up: the stop signal (validateContainerConfig) and the runtime's name
 * (verifyPlatformContainerSettings), with its messages.
 */
export function validateCreateRequest(body: CreateBody): void {
  if (typeof body.StopSignal === 'string' && body.StopSignal !== '') parseSignal(body.StopSignal);
  const runtime = body.HostConfig?.['Runtime'];
  if (typeof runtime === 'string' && !RUNTIMES.includes(runtime)) throw new InvalidParameter(`Unknown runtime specified ${runtime}`);
}
