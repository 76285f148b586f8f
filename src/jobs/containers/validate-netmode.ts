import { InvalidParameter } from '../../engine/errors.js';
import type { CreateBody } from './types.js';

const count = (v: unknown): number => (Array.isArray(v) ? v.length : v && typeof v === 'object' ? Object.keys(v).length : 0);

/**
 * dockerd 20.10's runconfig validateNetMode, run as it decodes a create body, before
 * the name or the image is looked at: options that a shared (container:) or host
 * network or UTS namespace makes meaningless are refused with its words. Then its
 * validateIsolation, from the same decode.
 */
export function validateNetMode(body: CreateBody): void {
  const h = body.HostConfig;
  if (!h) return;
  const mode = typeof h['NetworkMode'] === 'string' ? h['NetworkMode'] : '';
  const parts = mode.split(':');
  const isContainer = parts[0] === 'container';
  if (isContainer && (parts.length < 2 || parts[1] === '')) {
    throw new InvalidParameter('Invalid network mode: invalid container format container:<name|id>');
  }
  if (isContainer) {
    if (body.Hostname) throw new InvalidParameter('conflicting options: hostname and the network mode');
    if (count(h['Links'])) {
      throw new InvalidParameter("conflicting options: container type network can't be used with links. This would result in undefined behavior");
    }
    if (count(h['Dns'])) throw new InvalidParameter('conflicting options: dns and the network mode');
    if (count(h['ExtraHosts'])) throw new InvalidParameter('conflicting options: custom host-to-IP mapping and the network mode');
  }
  if ((isContainer || mode === 'host') && body.MacAddress) throw new InvalidParameter('conflicting options: mac-address and the network mode');
  if (isContainer) {
    if (count(h['PortBindings']) || h['PublishAllPorts'] === true) {
      throw new InvalidParameter('conflicting options: port publishing and the container type network mode');
    }
    if (count(body.ExposedPorts)) throw new InvalidParameter('conflicting options: port exposing and the container type network mode');
  }
  if (h['UTSMode'] === 'host' && body.Hostname) throw new InvalidParameter('conflicting options: hostname and the UTS mode');
  if (mode === 'host' && count(h['Links'])) {
    throw new InvalidParameter("conflicting options: host type networking can't be used with links. This would result in undefined behavior");
  }
  // runconfig's validateIsolation, next in the same decode: Linux has only the default.
  const isolation = typeof h['Isolation'] === 'string' ? h['Isolation'] : '';
  if (isolation !== '' && isolation.toLowerCase() !== 'default') {
    throw new InvalidParameter(`Invalid isolation: ${JSON.stringify(isolation)} - linux only supports 'default'`);
  }
}
