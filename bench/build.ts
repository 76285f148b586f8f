import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { busyboxImage } from '../test/helpers/fixtures.js';
import type { BenchDaemon } from './daemons.js';
import type { CliFloor } from './cli-floor.js';
import { floorLine, fmt, median } from './stats.js';

/**
 * The builder issue's figures: `docker build` with the legacy builder
 * (DOCKER_BUILDKIT=0, CLI 28) of a ten-step Dockerfile over a 20 MB context, cold
 * (`--no-cache`, a fresh result every run, the previous one removed untimed) and
 * fully cached. Every RUN step uses `--network none` on both daemons: the reference
 * dockerd runs without a bridge, and only the builder is compared.
 */
const pexec = promisify(execFile);
const DOCKER = '/usr/local/bin/docker';
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CONTEXT_MB = 20;
const TAG = 'berth-bench/build';
const repoRoot = resolve(import.meta.dirname, '..', '..');

// Ten steps: FROM, then RUN, COPY (the 20 MB), ENV, WORKDIR, RUN, COPY, ENV, RUN, CMD.
const DOCKERFILE = [
  'FROM busybox',
  'RUN echo one > /one && mkdir -p /srv',
  `COPY data-${CONTEXT_MB}m.bin /data/`,
  'ENV APP_HOME=/srv/app STAGE=bench',
  'WORKDIR $APP_HOME',
  'RUN ls -l /data > listing.txt && wc -c /data/*.bin',
  'COPY small.txt notes/',
  'ENV READY=1',
  'RUN echo "$STAGE $READY" > /srv/app/state && cat /srv/app/state',
  'CMD ["cat", "/srv/app/state"]',
  '',
].join('\n');

export interface BuildFigures {
  coldMs: number;
  cachedMs: number;
  cachedApiMs: number;
}

/** The context directory under .tmp/bench: random bytes written once, the Dockerfile every time. */
export function buildContext(): string {
  const dir = join(repoRoot, '.tmp', 'bench', 'build-context');
  mkdirSync(dir, { recursive: true });
  const data = join(dir, `data-${CONTEXT_MB}m.bin`);
  if (!existsSync(data)) {
    // Incompressible, so neither side gains from compressing the context.
    writeFileSync(`${data}.part`, randomBytes(CONTEXT_MB * 1_000_000));
    renameSync(`${data}.part`, data);
  }
  writeFileSync(join(dir, 'small.txt'), 'a small file copied by the build benchmark\n');
  writeFileSync(join(dir, 'Dockerfile'), DOCKERFILE);
  return dir;
}

async function docker(d: BenchDaemon, args: string[]): Promise<string> {
  const { stdout } = await pexec(DOCKER, args, {
    env: { ...process.env, DOCKER_HOST: `unix://${d.socket}`, DOCKER_CLI_HINTS: 'false', DOCKER_BUILDKIT: '0' },
    maxBuffer: 1 << 26, encoding: 'utf8',
  });
  return stdout;
}

async function timedBuild(d: BenchDaemon, ctx: string, tag: string, noCache: boolean): Promise<{ ms: number; out: string }> {
  const t0 = performance.now();
  const out = await docker(d, ['build', '--network', 'none', ...(noCache ? ['--no-cache'] : []), '-t', tag, ctx]);
  const ms = performance.now() - t0;
  if (!out.includes(`Successfully tagged ${tag}`)) throw new Error(`${d.name}: build of ${tag} did not finish:\n${out.slice(-1000)}`);
  return { ms, out };
}

/**
 * The cached build as an API client (docker-py, compose) sends it: the context tar made
 * once beforehand, posted to /build, the output read to its end. The CLI's own start-up
 * and the tarring of the 20 MB while it uploads are not in this figure.
 */
function apiBuild(d: BenchDaemon, contextTar: string, tag: string): Promise<{ ms: number; out: string }> {
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const req = request({
      socketPath: d.socket, method: 'POST', agent: false,
      path: `/v1.41/build?t=${encodeURIComponent(tag)}&networkmode=none&rm=1`,
      headers: { 'Content-Type': 'application/x-tar' },
    }, (res) => {
      let out = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { out += c; });
      res.on('end', () => {
        const ms = performance.now() - t0;
        if (res.statusCode !== 200 || !out.includes(`Successfully tagged ${tag}`)) reject(new Error(`${d.name}: API build of ${tag}: ${res.statusCode} ${out.slice(-500)}`));
        else resolvePromise({ ms, out });
      });
    });
    req.on('error', reject);
    createReadStream(contextTar).pipe(req);
  });
}

export async function measureBuild(d: BenchDaemon): Promise<BuildFigures> {
  const ctx = buildContext();
  await docker(d, ['load', '-i', (await busyboxImage()).path]);
  // Warm-up, and the cache the cached runs hit.
  await timedBuild(d, ctx, `${TAG}:cached`, true);
  const cached: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await timedBuild(d, ctx, `${TAG}:cached`, false);
    const hits = r.out.match(/ ---> Using cache/g)?.length ?? 0;
    if (hits !== 9) throw new Error(`${d.name}: the cached build hit ${hits} of 9 steps:\n${r.out}`);
    cached.push(r.ms);
  }
  const contextTar = join(ctx, '..', 'build-context.tar');
  await pexec('tar', ['-C', ctx, '-cf', contextTar, '.']);
  // One untimed build first: this tar's file headers differ from the CLI's, and dockerd
  // keys COPY's cache on them, so it has its own cache to fill.
  await apiBuild(d, contextTar, `${TAG}:cached`);
  const cachedApi: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await apiBuild(d, contextTar, `${TAG}:cached`);
    // Go's encoder writes '>' as \u003e.
    const hits = r.out.match(/ ---(>|\\u003e) Using cache/g)?.length ?? 0;
    if (hits !== 9) throw new Error(`${d.name}: the cached API build hit ${hits} of 9 steps:\n${r.out}`);
    cachedApi.push(r.ms);
  }
  const cold: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const tag = `${TAG}:cold-${i}`;
    cold.push((await timedBuild(d, ctx, tag, true)).ms);
    // Removing the result takes its untagged intermediate images with it.
    await docker(d, ['rmi', tag]);
  }
  await docker(d, ['rmi', `${TAG}:cached`]);
  return { coldMs: median(cold), cachedMs: median(cached), cachedApiMs: median(cachedApi) };
}

type Row = [string, (f: BuildFigures) => number, number | null, string];

const ROWS: Row[] = [
  [`\`docker build\` cold, 10 steps, ${CONTEXT_MB} MB context (ms)`, (f) => f.coldMs, 1 / 2, '≤ ½ of dockerd'],
  ['`docker build` fully cached, same (ms)', (f) => f.cachedMs, 1 / 3, '≤ ⅓ of dockerd'],
  ['fully cached through the API, the context tar made beforehand (ms)', (f) => f.cachedApiMs, null, '—'],
];

/** The build section of docs/BENCHMARKS.md. */
export function buildReport(berth: BuildFigures, ref: BuildFigures | null, floor: CliFloor | null): string[] {
  const lines = [
    '## Build',
    '',
    `The legacy builder through the docker CLI 28 with \`DOCKER_BUILDKIT=0\`: a ten-step Dockerfile (FROM busybox, ` +
      `three RUN, two COPY of which one takes a ${CONTEXT_MB} MB file of random bytes, two ENV, WORKDIR, CMD), ` +
      'every RUN with `--network none`. Cold: `--no-cache` and a new tag, the previous result removed untimed. ' +
      `Cached: the nine steps after FROM all hit. Medians of ${RUNS} runs after a warm-up; each time is the CLI's whole run, ` +
      'context upload included.',
    '',
    '| Measure | berth | dockerd | berth / dockerd | Target | Met |',
    '|---|---:|---:|---:|---|---|',
  ];
  for (const [label, get, factor, target] of ROWS) {
    const b = get(berth);
    const r = ref ? get(ref) : null;
    const ratio = r ? b / r : null;
    const met = factor === null ? '—' : ratio === null ? 'n/a' : ratio <= factor ? 'yes' : 'no';
    lines.push(`| ${label} | ${fmt(b)} | ${r === null ? 'n/a' : fmt(r)} | ${ratio === null ? 'n/a' : `${fmt(ratio, 2)}×`} | ${target} | ${met} |`);
  }
  lines.push('');
  if (floor) lines.push(...floorLine('fully cached `docker build`', floor.cachedBuildMs, berth.cachedMs, ref?.cachedMs ?? null), '');
  return lines;
}
