import path from 'node:path';

/*
 * `.dockerignore` as dockerd's fileutils.PatternMatcher reads it: one pattern per
 * line, `#` comments, paths cleaned and made relative, `!` for exceptions, and the
 * last matching pattern decides. `*` and `?` stay within one path component, `**`
 * spans any number of them; a pattern that matches a directory matches everything
 * under it.
 */

interface Pattern {
  exclusion: boolean;
  re: RegExp;
  /** Path components of the pattern, for matching parent directories. */
  dirs: number;
}

/** The lines of a .dockerignore file as patterns (blank lines and comments dropped). */
export function readIgnore(text: string): string[] {
  const out: string[] = [];
  for (let line of text.split(/\r?\n/)) {
    if (line.startsWith('#')) continue;
    line = line.trim();
    if (line === '') continue;
    let invert = false;
    if (line.startsWith('!')) {
      invert = true;
      line = line.slice(1).trim();
    }
    if (line.length > 0) {
      line = path.posix.normalize(line).replace(/^\/+/, '').replace(/\/+$/, '') || '.';
    }
    out.push(invert ? `!${line}` : line);
  }
  return out;
}

/** A glob of filepath.Match plus `**`, as a regular expression over the whole path. */
function compile(glob: string): RegExp {
  let re = '^';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*') {
      if (glob[i + 1] === '*') {
        i++;
        // `**/` also matches nothing at all; a trailing `**` matches everything.
        if (glob[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else {
          re += '.*';
        }
      } else {
        re += '[^/]*';
      }
    } else if (ch === '?') {
      re += '[^/]';
    } else if (ch === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end === -1) {
        re += '\\[';
      } else {
        let cls = glob.slice(i + 1, end);
        if (cls.startsWith('^') || cls.startsWith('!')) cls = `^${cls.slice(1)}`;
        re += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (ch === '\\' && i + 1 < glob.length) {
      re += `\\${glob[++i]}`;
    } else {
      re += ch.replace(/[.+^${}()|\]\\/]/g, '\\$&');
    }
  }
  return new RegExp(`${re}$`);
}

export class IgnoreMatcher {
  private readonly patterns: Pattern[];

  constructor(lines: readonly string[]) {
    this.patterns = lines.map((l) => {
      const exclusion = l.startsWith('!');
      const p = exclusion ? l.slice(1) : l;
      return { exclusion, re: compile(p), dirs: p.split('/').length };
    });
  }

  get empty(): boolean {
    return this.patterns.length === 0;
  }

  /** True when `file` (relative, `/`-separated) is excluded from the context. */
  matches(file: string): boolean {
    let matched = false;
    const parts = file.split('/');
    for (const p of this.patterns) {
      // Only an exception can undo a match, and only a match can be undone.
      if (p.exclusion !== matched) continue;
      let hit = p.re.test(file);
      if (!hit && parts.length > 1 && p.dirs <= parts.length - 1) {
        hit = p.re.test(parts.slice(0, p.dirs).join('/'));
      }
      if (hit) matched = !p.exclusion;
    }
    return matched;
  }
}

/**
 * What dockerd itself drops from a context (its removeDockerfile): only .dockerignore
 * and the Dockerfile, when the rules match them. The rest was filtered by the client
 * when it made the tar (the CLI walks into an ignored directory that has exceptions,
 * so `a` + `!a/b/x` sends a/b/x and dockerd copies it).
 */
export class ContextRemovals extends IgnoreMatcher {
  private readonly names: Set<string>;

  constructor(private readonly rules: IgnoreMatcher, dockerfile: string) {
    super([]);
    const name = path.posix.normalize(dockerfile || 'Dockerfile').replace(/^(\.?\/)+/, '');
    this.names = new Set(['.dockerignore', name]);
  }

  override get empty(): boolean {
    return this.rules.empty;
  }

  override matches(file: string): boolean {
    return this.names.has(file) && this.rules.matches(file);
  }
}
