import { execFile, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { busyboxImage } from '../test/helpers/fixtures.js';
import type { BenchDaemon } from './daemons.js';
import type { CliFloor } from './cli-floor.js';
import { floorLine, fmt, median } from './stats.js';

/**
 * The containers issue's figures: what a user waits for (`run --rm`, create + start -a
 * + rm, exec, ps -a over many containers, logs of a big log) and what containers cost
 * (daemon and shim memory per running container, idle daemon RSS). Every container
 * runs with `--network none` on both daemons, so only the runtime is compared.
 */
const pexec = promisify(execFile);
const DOCKER = '/usr/local/bin/docker';
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SLEEPERS = Number(process.env.BENCH_SLEEPERS ?? 50);
const LOG_MB = 50;

export interface ContainerFigures {
  runMs: number;
  createStartRmMs: number;
  execMs: number | null;
  execApiMs: number;
  cliMs: number;
  ps100Ms: number;
  ps1000Ms: number;
  logsMBs: number;
  idleRssMB: number;
  perContainerRssMB: number;
  perContainerPssMB: number;
}

async function docker(d: BenchDaemon, args: string[]): Promise<string> {
  const { stdout } = await pexec(DOCKER, args, {
    env: { ...process.env, DOCKER_HOST: `unix://${d.socket}`, DOCKER_CLI_HINTS: 'false' }, maxBuffer: 1 << 30, encoding: 'utf8',
  });
  return stdout;
}

/**
 * The CLI's stdout drained and counted, as `docker logs c | wc -c` does: keeping 50 MB
 * as one string (execFile) cost this process more than some daemons' whole answer, and
 * on two cores that time was charged to the daemon under test.
 */
function dockerCount(d: BenchDaemon, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(DOCKER, args, {
      env: { ...process.env, DOCKER_HOST: `unix://${d.socket}`, DOCKER_CLI_HINTS: 'false' }, stdio: ['ignore', 'pipe', 'ignore'],
    });
    let bytes = 0;
    child.stdout.on('data', (chunk: Buffer) => { bytes += chunk.length; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(bytes) : reject(new Error(`${d.name}: docker ${args.join(' ')} exited ${code}`))));
  });
}

/**
 * `docker ps -a` with its table written to a file, as a terminal or a redirect takes it,
 * and its rows counted. The CLI writes every cell of the table with a write(2) of its
 * own (some 14,000 for 1000 rows); into a pipe read by this Node process each of those
 * wakes it, which added 20-30 ms of the harness's own to every figure, on both daemons.
 */
function psToFile(d: BenchDaemon, dir: string, rows: number): Promise<void> {
  const path = join(dir, 'ps.txt');
  const fd = openSync(path, 'w');
  return new Promise<void>((resolve, reject) => {
    const child = spawn(DOCKER, ['ps', '-a'], {
      env: { ...process.env, DOCKER_HOST: `unix://${d.socket}`, DOCKER_CLI_HINTS: 'false' }, stdio: ['ignore', fd, 'ignore'],
    });
    child.on('error', reject);
    child.on('close', (code) => {
      closeSync(fd);
      const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean).length;
      if (code !== 0) reject(new Error(`${d.name}: docker ps -a exited ${code}`));
      else if (lines !== rows + 1) reject(new Error(`${d.name}: docker ps -a listed ${lines - 1} containers, not ${rows}`));
      else resolve();
    });
  });
}

/** A bulk create straight through the API: the CLI's own start-up would dominate 1000 of them. */
function createViaApi(d: BenchDaemon): Promise<void> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ Image: 'busybox', Cmd: ['true'], HostConfig: { NetworkMode: 'none' } });
    const req = request({ socketPath: d.socket, method: 'POST', path: '/v1.41/containers/create', headers: { 'Content-Type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`${d.name}: create answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** One API call on the daemon's socket: its status and body (read to the end). */
function api(d: BenchDaemon, method: string, path: string, body?: unknown): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: d.socket, method, path: `/v1.41${path}`, agent: false, headers: body === undefined ? {} : { 'Content-Type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/**
 * An exec as an API client (docker-py, dockerode) makes it, without the CLI's own
 * start-up: create, start with the output read to its end, inspect for the exit code.
 */
async function execViaApi(d: BenchDaemon, container: string): Promise<void> {
  const created = await api(d, 'POST', `/containers/${container}/exec`, { Cmd: ['true'], AttachStdout: true, AttachStderr: true });
  if (created.status !== 201) throw new Error(`${d.name}: exec create answered ${created.status}`);
  const id = (JSON.parse(created.body.toString()) as { Id: string }).Id;
  const started = await api(d, 'POST', `/exec/${id}/start`, { Detach: false, Tty: false });
  if (started.status !== 200) throw new Error(`${d.name}: exec start answered ${started.status}`);
  const inspected = JSON.parse((await api(d, 'GET', `/exec/${id}/json`)).body.toString()) as { ExitCode: number | null; Running: boolean };
  if (inspected.Running || inspected.ExitCode !== 0) throw new Error(`${d.name}: exec ended ${JSON.stringify(inspected)}`);
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function medianMs(runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) xs.push(await timed(fn));
  return median(xs);
}

/** RSS and PSS (kB → MB) of a set of pids, from smaps_rollup. */
function memory(pids: number[]): { rss: number; pss: number } {
  let rss = 0;
  let pss = 0;
  for (const pid of pids) {
    try {
      const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      rss += Number(/^Rss:\s+(\d+)/m.exec(text)?.[1] ?? 0);
      pss += Number(/^Pss:\s+(\d+)/m.exec(text)?.[1] ?? 0);
    } catch { /* gone */ }
  }
  return { rss: rss / 1024, pss: pss / 1024 };
}

/**
 * The engine's own processes: the daemon and everything it runs for containers that
 * is not a container process. For berth: the daemon and the berth-shims of its exec
 * root. For dockerd: dockerd, its containerd and the containerd-shims serving it.
 */
function enginePids(d: BenchDaemon): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    let cmd: string;
    try { cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8').replace(/\0/g, ' '); } catch { continue; }
    const root = d.dir;
    const mine = cmd.includes(root) && (/dist\/src\/cli\/main\.js/.test(cmd) || /berth-shim/.test(cmd) || /dockerd|containerd/.test(cmd));
    if (mine) out.push(Number(e));
  }
  return out;
}

export async function measureContainers(d: BenchDaemon): Promise<ContainerFigures> {
  await docker(d, ['load', '-i', (await busyboxImage()).path]);
  const idle = memory(enginePids(d));
  const runMs = await medianMs(RUNS, () => docker(d, ['run', '--rm', '--network', 'none', 'busybox', 'true']));
  const createStartRmMs = await medianMs(RUNS, async () => {
    const id = (await docker(d, ['create', '--network', 'none', 'busybox', 'true'])).trim();
    await docker(d, ['start', '-a', id]);
    await docker(d, ['rm', id]);
  });

  // exec: into one sleeping container.
  const sleeper = (await docker(d, ['run', '-d', '--network', 'none', 'busybox', 'sleep', '100000'])).trim();
  let execMs: number | null = null;
  try {
    execMs = await medianMs(RUNS, () => docker(d, ['exec', sleeper, 'true']));
  } catch { /* exec not served by this build */ }
  const execApiMs = await medianMs(RUNS, () => execViaApi(d, sleeper));
  // The CLI's own part of every figure above: start-up, config, one round trip.
  const cliMs = await medianMs(RUNS, () => docker(d, ['version', '--format', '{{.Server.Version}}']));

  // logs: a 50 MB log read back in full.
  const logger = (await docker(d, ['run', '-d', '--network', 'none', 'busybox', 'sh', '-c',
    `yes 0123456789012345678901234567890123456789012345678901234567890123456789 | head -c ${LOG_MB * 1_000_000}`])).trim();
  await docker(d, ['wait', logger]);
  const logsMs = await medianMs(Math.min(RUNS, 3), async () => {
    const bytes = await dockerCount(d, ['logs', logger]);
    if (bytes !== LOG_MB * 1_000_000) throw new Error(`${d.name}: docker logs gave ${bytes} bytes, not ${LOG_MB * 1_000_000}`);
  });
  await docker(d, ['rm', logger]);

  // Memory per running container: SLEEPERS more sleepers, engine processes before and after.
  const before = memory(enginePids(d));
  for (let i = 0; i < SLEEPERS; i++) await docker(d, ['run', '-d', '--network', 'none', 'busybox', 'sleep', '100000']);
  await new Promise((r) => setTimeout(r, 2000));
  const after = memory(enginePids(d));
  await docker(d, ['rm', '-f', ...(await docker(d, ['ps', '-q'])).split('\n').filter(Boolean)]);

  // ps -a over 100 and 1000 created containers.
  const psMs = async (n: number): Promise<number> => {
    const have = (await docker(d, ['ps', '-aq'])).split('\n').filter(Boolean).length;
    for (let i = have; i < n; i++) await createViaApi(d);
    const dir = mkdtempSync('/tmp/berth-bench-ps-');
    try {
      return await medianMs(RUNS, () => psToFile(d, dir, n));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const ps100Ms = await psMs(100);
  const ps1000Ms = await psMs(1000);
  await docker(d, ['container', 'prune', '-f']);
  return {
    runMs, createStartRmMs, execMs, execApiMs, cliMs, ps100Ms, ps1000Ms,
    logsMBs: LOG_MB / (logsMs / 1000),
    idleRssMB: idle.rss,
    perContainerRssMB: (after.rss - before.rss) / SLEEPERS,
    perContainerPssMB: (after.pss - before.pss) / SLEEPERS,
  };
}

type Row = [string, (f: ContainerFigures) => number | null, 'lower' | 'higher', number | null, string];

const ROWS: Row[] = [
  ['`docker run --rm busybox true` (ms)', (f) => f.runMs, 'lower', 0.25, '≤ ¼ of dockerd'],
  ['`create` + `start -a` + `rm` (ms)', (f) => f.createStartRmMs, 'lower', null, '—'],
  ['`docker exec c true` (ms)', (f) => f.execMs, 'lower', 1 / 3, '≤ ⅓ of dockerd'],
  ['exec through the API: create, start, inspect (ms)', (f) => f.execApiMs, 'lower', null, '—'],
  ['`docker version`: the CLI alone, one round trip (ms)', (f) => f.cliMs, 'lower', null, '—'],
  ['`docker ps -a`, 100 containers (ms)', (f) => f.ps100Ms, 'lower', null, '—'],
  ['`docker ps -a`, 1000 containers (ms)', (f) => f.ps1000Ms, 'lower', null, '< 150 ms'],
  [`\`docker logs\` of a ${LOG_MB} MB log (MB/s)`, (f) => f.logsMBs, 'higher', 10, '≥ 10× dockerd'],
  [`Engine RSS per running container, ${SLEEPERS} sleeping (MB)`, (f) => f.perContainerRssMB, 'lower', 0.1, '≤ ⅒ of dockerd'],
  [`Engine PSS per running container, ${SLEEPERS} sleeping (MB)`, (f) => f.perContainerPssMB, 'lower', 0.1, '≤ ⅒ of dockerd'],
  ['Idle engine RSS, image loaded (MB)', (f) => f.idleRssMB, 'lower', null, '—'],
];

/** The containers section of docs/BENCHMARKS.md. */
export function containerReport(berth: ContainerFigures, ref: ContainerFigures | null, floor: CliFloor | null): string[] {
  const lines = [
    '## Containers',
    '',
    `Through the docker CLI 28, every container with \`--network none\`; medians of ${RUNS} runs after a warm-up. ` +
      '"Engine" memory is the daemon plus what it runs per container that is not the container itself: ' +
      'berth\'s daemon and berth-shims; dockerd, its containerd and the containerd-shims. ' +
      `Per-container figures are (after − before) / ${SLEEPERS} over ${SLEEPERS} started \`sleep\` containers. ` +
      '`ps -a` writes its table to a file (into a pipe read by the bench process its 14,000 small writes cost 20-30 ms of wake-ups per run, the harness\'s own, on both daemons).',
    '',
    '| Measure | berth | dockerd | berth / dockerd | Target | Met |',
    '|---|---:|---:|---:|---|---|',
  ];
  for (const [label, get, better, factor, target] of ROWS) {
    const b = get(berth);
    const r = ref ? get(ref) : null;
    const ratio = b !== null && r ? b / r : null;
    let met = 'n/a';
    if (label.includes('1000 containers') && b !== null) met = b < 150 ? 'yes' : 'no';
    else if (factor !== null && ratio !== null) met = (better === 'lower' ? ratio <= factor : ratio >= factor) ? 'yes' : 'no';
    else if (factor === null) met = '—';
    lines.push(`| ${label} | ${b === null ? 'n/a' : fmt(b)} | ${r === null ? 'n/a' : fmt(r)} | ${ratio === null ? 'n/a' : `${fmt(ratio, 2)}×`} | ${target} | ${met} |`);
  }
  lines.push('');
  if (floor && berth.execMs !== null) lines.push(...floorLine('`docker exec c true`', floor.execMs, berth.execMs, ref?.execMs ?? null), '');
  return lines;
}
