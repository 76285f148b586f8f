import { InvalidParameter } from '../../engine/errors.js';
import { familiarName, parseNamed } from '../reference.js';

/**
 * Tags as the archive formats see them: archives carry tags in familiar
 * (`busybox:latest`) or full (`docker.io/library/busybox:latest`) form, and dockerd
 * prints them familiar. Parsing is the graph's (src/graph/reference.ts).
 */
export interface TagRef {
  /** Normalised repository, e.g. `docker.io/library/busybox`. */
  repo: string;
  tag: string;
}

/** Parse `name[:tag]` (tag defaults to `latest`); InvalidParameter when malformed or a digest. */
export function parseTag(ref: string): TagRef {
  const r = parseNamed(ref);
  if (r.digest !== undefined) throw new InvalidParameter(`invalid tag ${JSON.stringify(ref)}: a digest reference cannot be a tag`);
  return { repo: r.repo, tag: r.tag ?? 'latest' };
}

/** `docker.io/library/busybox` → `busybox`, `docker.io/me/app` → `me/app`. */
export function familiarRepo(repo: string): string {
  return familiarName(repo);
}

export function familiarTag(ref: TagRef): string {
  return `${familiarName(ref.repo)}:${ref.tag}`;
}

export function fullTag(ref: TagRef): string {
  return `${ref.repo}:${ref.tag}`;
}
