import { kindOf, type ErrorKind } from '../engine/errors.js';

const statusByKind: Record<ErrorKind, number> = {
  invalid_parameter: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  not_modified: 304,
  not_implemented: 501,
  unavailable: 503,
  system: 500,
};

/** The HTTP status of an error: its kind's status, looking through `cause`; 500 if unclassified. */
export function statusOf(err: unknown): number {
  const kind = kindOf(err);
  return kind ? statusByKind[kind] : 500;
}
