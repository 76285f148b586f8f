import { kindOf } from '../../engine/errors.js';

/** An image that prune could not remove because of a conflict or a race is skipped, as dockerd does. */
export function isBerthConflictOrNotFound(err: unknown): boolean {
  const k = kindOf(err);
  return k === 'conflict' || k === 'not_found';
}
