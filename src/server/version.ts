import { API_VERSION, MIN_API_VERSION } from '../engine/config.js';
import { InvalidParameter } from '../engine/errors.js';

/** Compare dotted API versions ("1.9" < "1.12"): negative, zero or positive. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const prefix = /^\/v(\d+(?:\.\d+)*)(?=\/)/;

/**
 * Whether errors go out as `{"message": ...}`: from API 1.24 on, as dockerd's
 * apiVersionSupportsJSONErrors decides; older clients get the message as plain text.
 * `url` is the request's, for a version too old to be served at all.
 */
export function jsonErrors(versionOrUrl: string): boolean {
  const v = versionOrUrl.startsWith('/') ? prefix.exec(versionOrUrl)?.[1] : versionOrUrl;
  return v === undefined || compareVersions(v, '1.23') > 0;
}

/**
 * Split `/v1.40/images/json` into the API version and the unversioned path, with
 * dockerd's answers for versions it does not serve. An unversioned path is served
 * at the current version.
 */
export function splitVersion(url: string): { version: string; url: string } {
  const m = prefix.exec(url);
  if (!m) return { version: API_VERSION, url };
  const version = m[1]!;
  if (compareVersions(version, API_VERSION) > 0) {
    throw new InvalidParameter(`client version ${version} is too new. Maximum supported API version is ${API_VERSION}`);
  }
  if (compareVersions(version, MIN_API_VERSION) < 0) {
    throw new InvalidParameter(
      `client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`);
  }
  return { version, url: url.slice(m[0].length) };
}

/** Every API version served, oldest first ("1.12" … "1.41"). */
export function servedVersions(): string[] {
  const [major, low] = MIN_API_VERSION.split('.').map(Number) as [number, number];
  const high = Number(API_VERSION.split('.')[1]);
  return Array.from({ length: high - low + 1 }, (_, i) => `${major}.${low + i}`);
}
