import { InvalidParameter } from '../../engine/errors.js';

/**
 * The little reference handling the archive formats need: archives carry tags in
 * either familiar (`busybox:latest`) or full (`docker.io/library/busybox:latest`)
 * form, and dockerd prints them familiar. (The graph's own parser in
 * src/graph/reference.ts is the authority for anything wider.)
 */

const nameRe = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const tagRe = /^[\w][\w.-]{0,127}$/;

export interface TagRef {
  /** Normalised repository, e.g. `docker.io/library/busybox`. */
  repo: string;
  tag: string;
}

function splitDomain(name: string): [string, string] {
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase())) {
    return [first, name.slice(slash + 1)];
  }
  return ['docker.io', name];
}

/** Parse `name[:tag]` (tag defaults to `latest`); InvalidParameter when malformed. */
export function parseTag(ref: string, defaultTag = 'latest'): TagRef {
  if (ref.includes('@')) throw new InvalidParameter(`invalid tag ${JSON.stringify(ref)}: a digest reference cannot be a tag`);
  const lastSlash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  const hasTag = colon > lastSlash;
  const name = hasTag ? ref.slice(0, colon) : ref;
  const tag = hasTag ? ref.slice(colon + 1) : defaultTag;
  let [domain, path] = splitDomain(name);
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  if (!nameRe.test(path) || !tagRe.test(tag) || !/^[a-zA-Z0-9.-]+(?::\d+)?$/.test(domain)) {
    throw new InvalidParameter(`invalid reference format: ${JSON.stringify(ref)}`);
  }
  return { repo: `${domain}/${path}`, tag };
}

/** `docker.io/library/busybox` → `busybox`, `docker.io/me/app` → `me/app`. */
export function familiarRepo(repo: string): string {
  if (repo.startsWith('docker.io/library/') && repo.split('/').length === 3) return repo.slice('docker.io/library/'.length);
  if (repo.startsWith('docker.io/')) return repo.slice('docker.io/'.length);
  return repo;
}

export function familiarTag(ref: TagRef): string {
  return `${familiarRepo(ref.repo)}:${ref.tag}`;
}

export function fullTag(ref: TagRef): string {
  return `${ref.repo}:${ref.tag}`;
}
