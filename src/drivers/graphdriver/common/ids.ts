import { InvalidParameter } from '../../../engine/errors.js';

/**
 * Layer ids name directories under the driver's home, so they must be plain names:
 * the graph's random hex, with dockerd's `-init` suffix for containers' init layers.
 * `l` is refused because overlay keeps its short links there.
 */
const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function validId(id: string): boolean {
  return ID.test(id) && id !== 'l';
}

export function checkId(id: string): void {
  if (!validId(id)) throw new InvalidParameter(`invalid layer id ${JSON.stringify(id)}`);
}
