import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Decode mountinfo's octal escapes (\040 for space...). */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Mount points in this mount namespace at or below `dir`, deepest first. */
export function mountsUnder(dir: string): string[] {
  const prefix = dir.replace(/\/+$/, '');
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => unescape(line.split(' ')[4] ?? ''))
    .filter((p) => p === prefix || p.startsWith(`${prefix}/`));
  return [...new Set(points)].sort((a, b) => b.split('/').length - a.split('/').length || b.length - a.length);
}

/** Lazily unmount everything at or below `dir` (what a crashed test left behind). */
export function unmountUnder(dir: string): void {
  for (const p of mountsUnder(dir)) spawnSync('umount', ['-l', p], { stdio: 'ignore' });
}
