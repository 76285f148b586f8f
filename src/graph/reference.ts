import { InvalidParameter } from '../engine/errors.js';

/**
 * Image references with dockerd's grammar and normalisation (distribution/reference):
 *
 *   reference := name [ ":" tag ] [ "@" digest ]
 *   name      := [ domain "/" ] path-component ( "/" path-component )*
 *
 * A name's first component is a domain when it contains `.` or `:` or is `localhost`
 * (dockerd 20.10's distribution/reference: an upper-case first component is not a
 * domain there, so `UPPER/x` is refused); otherwise the domain is `docker.io`, and a single
 * component gets `library/` in front. So `busybox` normalises to
 * `docker.io/library/busybox`, and prints back ("familiar" form) as `busybox`.
 */

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DOMAIN = 'index.docker.io';

const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domain = `${domainComponent}(?:\\.${domainComponent})*(?::[0-9]+)?`;
const pathComponent = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const name = `(?:${domain}/)?${pathComponent}(?:/${pathComponent})*`;
const tag = '[\\w][\\w.-]{0,127}';
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const referenceRe = new RegExp(`^(${name})(?::(${tag}))?(?:@(${digest}))?$`);
const tagRe = new RegExp(`^${tag}$`);
const hex64Re = /^[a-f0-9]{64}$/;
const digestRe = new RegExp(`^${digest}$`);

export const ERR_FORMAT = 'invalid reference format';
export const ERR_UPPERCASE = 'invalid reference format: repository name must be lowercase';
const ERR_EMPTY = 'repository name must have at least one component';
const ERR_TOO_LONG = 'repository name must not be more than 255 characters';

/** A parsed, normalised reference. `repo` is the full name: `docker.io/library/busybox`. */
export interface Reference {
  repo: string;
  tag?: string;
  digest?: string;
}

/** True for a bare 64-hex ID (`ParseAnyReference` treats it as an image ID). */
export function isFullHexId(s: string): boolean {
  return hex64Re.test(s);
}

/** True for `algorithm:hex` (a content digest such as `sha256:…`). */
export function isDigest(s: string): boolean {
  return digestRe.test(s) && (!s.startsWith('sha256:') || hex64Re.test(s.slice(7)));
}

function splitDomain(s: string): [string, string] {
  const i = s.indexOf('/');
  const first = i < 0 ? '' : s.slice(0, i);
  let dom: string;
  let rest: string;
  if (i < 0 || (!/[.:]/.test(first) && first !== 'localhost')) {
    dom = DEFAULT_DOMAIN;
    rest = s;
  } else {
    dom = first;
    rest = s.slice(i + 1);
  }
  if (dom === LEGACY_DOMAIN) dom = DEFAULT_DOMAIN;
  if (dom === DEFAULT_DOMAIN && !rest.includes('/')) rest = `library/${rest}`;
  return [dom, rest];
}

/**
 * Parse a reference the way `docker tag`/`pull` do (ParseNormalizedNamed): the result
 * is fully qualified. Throws InvalidParameter with dockerd's wording.
 */
export function parseNamed(input: string): Reference {
  if (isFullHexId(input)) {
    throw new InvalidParameter(`invalid repository name (${input}), cannot specify 64-byte hexadecimal strings`);
  }
  const [dom, rest] = splitDomain(input);
  const colon = rest.indexOf(':');
  const remote = colon < 0 ? rest : rest.slice(0, colon);
  const at = remote.indexOf('@');
  const remoteName = at < 0 ? remote : remote.slice(0, at);
  if (remoteName.toLowerCase() !== remoteName) throw new InvalidParameter(ERR_UPPERCASE);
  const full = `${dom}/${rest}`;
  const m = referenceRe.exec(full);
  if (!m) {
    if (input === '') throw new InvalidParameter(ERR_EMPTY);
    if (referenceRe.test(full.toLowerCase())) throw new InvalidParameter(ERR_UPPERCASE);
    throw new InvalidParameter(ERR_FORMAT);
  }
  const repo = m[1]!;
  if (repo.length > 255) throw new InvalidParameter(ERR_TOO_LONG);
  const d = m[3];
  if (d !== undefined && d.startsWith('sha256:') && d.length !== 71) throw new InvalidParameter('invalid checksum digest length');
  const ref: Reference = { repo };
  if (m[2] !== undefined) ref.tag = m[2];
  if (d !== undefined) ref.digest = d;
  return ref;
}

/** Add `:latest` to a reference that has neither tag nor digest (TagNameOnly). */
export function withDefaultTag(ref: Reference): Reference {
  return ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: 'latest' } : ref;
}

/** Attach a tag to a repository (WithTag), validating it (ErrTagInvalidFormat's words). */
export function withTag(ref: Reference, t: string): Reference {
  if (!tagRe.test(t)) throw new InvalidParameter('invalid tag format');
  return { repo: ref.repo, tag: t };
}

/** The normalised string: `docker.io/library/busybox:latest`, `…@sha256:…`. */
export function format(ref: Reference): string {
  return ref.repo + (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest !== undefined ? `@${ref.digest}` : '');
}

/** `docker.io/library/busybox` → `busybox`; `docker.io/me/app` → `me/app`; others unchanged. */
export function familiarName(repo: string): string {
  if (!repo.startsWith(`${DEFAULT_DOMAIN}/`)) return repo;
  const rest = repo.slice(DEFAULT_DOMAIN.length + 1);
  return rest.startsWith('library/') && rest.indexOf('/', 8) < 0 ? rest.slice(8) : rest;
}

/** The familiar string dockerd prints: `busybox:latest`, `localhost:5000/a/b@sha256:…`. */
export function familiar(ref: Reference): string {
  return format({ ...ref, repo: familiarName(ref.repo) });
}

/** Familiar form of a stored normalised reference string. */
export function familiarOf(normalised: string): string {
  return familiar(parseStored(normalised));
}

/** Split a stored (already normalised) reference string without re-validating it. */
export function parseStored(s: string): Reference {
  const at = s.indexOf('@');
  const base = at < 0 ? s : s.slice(0, at);
  const slash = base.lastIndexOf('/');
  const colon = base.lastIndexOf(':');
  const ref: Reference = { repo: colon > slash ? base.slice(0, colon) : base };
  if (colon > slash) ref.tag = base.slice(colon + 1);
  if (at >= 0) ref.digest = s.slice(at + 1);
  return ref;
}

/**
 * Match a `reference` filter pattern against a stored reference, as dockerd's
 * FamiliarMatch: the glob is tried on the familiar string, then on the familiar name.
 */
export function familiarMatch(pattern: string, normalised: string): boolean {
  const ref = parseStored(normalised);
  const re = globToRegExp(pattern);
  return re.test(familiar(ref)) || re.test(familiarName(ref.repo));
}

/** Go's path.Match as a RegExp: `*` and `?` stop at `/`, `[...]` classes, `\` escapes. */
export function globToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) out += escapeRe(pattern[++i]!);
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      // Go's path.ErrBadPattern, word for word (dockerd answers it with a 500).
      if (end < 0) throw new InvalidParameter('syntax error in pattern');
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = `^${cls.slice(1)}`;
      out += `[${cls.replace(/[\]\\]/g, '\\$&')}]`;
      i = end;
    } else out += escapeRe(c);
  }
  return new RegExp(`^${out}$`);
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
