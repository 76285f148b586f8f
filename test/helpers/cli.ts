/**
 * The docker CLI as the integration tests drive it: a command that must succeed (its
 * stdout), one that must fail (its stderr), inspect with a Go template, a daemon with
 * the busybox fixture loaded, and the CLI under `script` for `-t`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { startDaemon, type TestDaemon } from './daemon.js';
import { busyboxImage } from './fixtures.js';

type Cli = Pick<TestDaemon, 'docker'>;

/** Run `docker args` and insist on exit 0; `cli` picks CLI 28 (default) or 20.10; `input` is its stdin. */
export async function ok(d: Cli, args: string[], opts: string | { cli?: string; input?: string } = {}): Promise<string> {
  const o = typeof opts === 'string' ? { cli: opts } : opts;
  const r = await d.docker(args, o);
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Run `docker args` and insist that it fails (with stderr matching `pattern` when given); its stderr. */
export async function fails(d: Cli, args: string[], pattern?: RegExp): Promise<string> {
  const r = await d.docker(args);
  assert.notEqual(r.code, 0, `docker ${args.join(' ')} should fail`);
  if (pattern) assert.match(r.stderr, pattern);
  return r.stderr;
}

export async function inspect(d: Cli, name: string, format: string): Promise<string> {
  return (await ok(d, ['inspect', '-f', format, name])).trim();
}

/** A test daemon with the busybox fixture loaded as busybox:latest. */
export async function daemonWithBusybox(t: TestContext): Promise<TestDaemon> {
  const d = await startDaemon(t);
  await ok(d, ['load', '-i', (await busyboxImage()).path]);
  return d;
}

/** A daemon with busybox, and a compose project folder `name` in its dir with `yml` as its docker-compose.yml. */
export async function composeProject(t: TestContext, name: string, yml: string): Promise<{ d: TestDaemon; proj: string }> {
  const d = await daemonWithBusybox(t);
  const proj = join(d.dir, name);
  mkdirSync(proj);
  writeFileSync(join(proj, 'docker-compose.yml'), yml);
  return { d, proj };
}

/**
 * `command` (a shell line running docker) under `script`, so the CLI has a terminal for
 * -t; `input` is typed after a second (a list: one piece a second, then stdin ends).
 */
export function withTty(d: Pick<TestDaemon, 'host'>, command: string, input: string | string[] = ''): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('script', ['-qec', command, '/dev/null'], {
      env: { ...process.env, DOCKER_HOST: d.host, DOCKER_CLI_HINTS: 'false' }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (c) => { out += c; });
    p.stderr.on('data', (c) => { out += c; });
    const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.on('error', reject);
    p.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? -1, out }); });
    const pieces = typeof input === 'string' ? (input ? [input] : []) : input;
    pieces.forEach((piece, i) => setTimeout(() => {
      if (p.stdin.writable) p.stdin.write(piece);
      if (i === pieces.length - 1) p.stdin.end();
    }, 1000 * (i + 1)));
  });
}
