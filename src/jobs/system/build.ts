import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What `/version` says about this build. There is no build step that stamps a
 * commit into the code, so the commit is read from the checkout the daemon runs
 * from (when there is one) and the build time is when this file was compiled.
 */
export interface BuildFacts {
  gitCommit: string;
  buildTime: string;
}

let cached: BuildFacts | undefined;

export function buildFacts(): BuildFacts {
  if (!cached) {
    const here = fileURLToPath(import.meta.url);
    cached = { gitCommit: gitCommit(findRoot(dirname(here))), buildTime: goTime(statSync(here).mtime) };
  }
  return cached;
}

/** The directory holding package.json above `dir` (dist/src/jobs/system → the checkout). */
function findRoot(dir: string): string {
  for (let d = dir; ; d = dirname(d)) {
    try {
      statSync(join(d, 'package.json'));
      return d;
    } catch {
      if (dirname(d) === d) return dir;
    }
  }
}

/** The short commit of HEAD, read without running git; "unknown" outside a checkout. */
function gitCommit(root: string): string {
  try {
    const git = join(root, '.git');
    const head = readFileSync(join(git, 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head.slice(0, 7);
    const ref = head.slice(5);
    try {
      return readFileSync(join(git, ref), 'utf8').trim().slice(0, 7);
    } catch {
      const packed = readFileSync(join(git, 'packed-refs'), 'utf8');
      const line = packed.split('\n').find((l) => l.endsWith(` ${ref}`));
      return line ? line.slice(0, 7) : 'unknown';
    }
  } catch {
    return 'unknown';
  }
}

/** RFC 3339 with nanoseconds, the way Go prints a time (`...T21:09:36.000000000+00:00`). */
export function goTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000000+00:00');
}
