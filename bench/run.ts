import { createReadStream, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { cpus, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { benchArchive, ARCHIVE_TAG } from './archive.js';
import { buildReport, measureBuild, type BuildFigures } from './build.js';
import { measureCliFloor, type CliFloor } from './cli-floor.js';
import { containerReport, measureContainers, type ContainerFigures } from './containers.js';
import { startBerth, startReference, type BenchDaemon } from './daemons.js';
import { buildLoadGen, type LoadGen } from './loadgen.js';
import { measureNetwork, measureReferenceNetwork, networkReport, type NetworkResult } from './network.js';
import { measureRegistry, registryReport, startBenchRegistry, type BenchRegistry, type RegistryFigures } from './registry.js';
import { fmt, median } from './stats.js';

/**
 * `npm run bench`: the foundation's figures, berth beside a reference dockerd measured
 * in the same run, written to docs/BENCHMARKS.md. Every figure is the median of
 * several runs; ratios compare medians. Nothing here is a pass/fail test: targets are
 * reported, not asserted.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 50000);
const CONCURRENCY = 16;
const repoRoot = resolve(import.meta.dirname, '..', '..');

interface Figures {
  daemon: BenchDaemon;
  loadMBs: number;
  saveMBs: number;
  pingRps: number;
  imagesRps: number;
  containers: ContainerFigures | null;
  build: BuildFigures | null;
  network: NetworkResult | null;
  registry: RegistryFigures | null;
}

async function measure(daemon: BenchDaemon, archive: string, registry: BenchRegistry | null, load: LoadGen): Promise<Figures> {
  const size = statSync(archive).size;
  const loads: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    if (i > 0) await call(daemon.socket, 'DELETE', `/images/${ARCHIVE_TAG}?force=1`);
    const t0 = performance.now();
    const out = await call(daemon.socket, 'POST', '/images/load?quiet=1', archive);
    const s = (performance.now() - t0) / 1000;
    if (!out.body.includes('Loaded image')) throw new Error(`${daemon.name} load failed: ${out.status} ${out.body.slice(0, 300)}`);
    loads.push(size / 1e6 / s);
  }
  const saves: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const out = await call(daemon.socket, 'GET', `/images/${ARCHIVE_TAG}/get`, undefined, true);
    const s = (performance.now() - t0) / 1000;
    if (out.status !== 200 || out.bytes < size / 2) throw new Error(`${daemon.name} save failed: ${out.status} (${out.bytes} bytes)`);
    saves.push(out.bytes / 1e6 / s);
  }
  const rps = async (path: string): Promise<number> => {
    await load.run(daemon.socket, path, CONCURRENCY, Math.min(500, REQUESTS)); // warm-up
    const runs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await load.run(daemon.socket, path, CONCURRENCY, REQUESTS);
      if (r.errors) throw new Error(`${daemon.name} ${path}: ${r.errors} non-200 answers`);
      runs.push(r.rps);
    }
    return median(runs);
  };
  const pingRps = await rps('/_ping');
  const imagesRps = await rps('/images/json');
  await call(daemon.socket, 'DELETE', `/images/${ARCHIVE_TAG}?force=1`);
  // BENCH_ONLY=foundation skips the containers and build sections (minutes of container runs).
  const foundationOnly = process.env.BENCH_ONLY === 'foundation';
  const containers = foundationOnly ? null : await measureContainers(daemon);
  const build = foundationOnly ? null : await measureBuild(daemon);
  // The reference's figures come from a second dockerd of its own, with a bridge.
  const network = foundationOnly ? null : daemon.name === 'berth' ? await measureNetwork(daemon) : await measureReferenceNetwork();
  const pulled = registry ? await measureRegistry(daemon, registry) : null;
  return { daemon, loadMBs: median(loads), saveMBs: median(saves), pingRps, imagesRps, containers, build, network, registry: pulled };
}

interface Answer { status: number; body: string; bytes: number }

/** One request over the daemon's unix socket; `discard` counts body bytes instead of keeping them. */
function call(socket: string, method: string, path: string, bodyFile?: string, discard = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = bodyFile ? { 'Content-Type': 'application/x-tar' } : {};
    const req = request({ socketPath: socket, method, path, headers }, (res) => {
      let body = '';
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (!discard) body += c.toString('utf8');
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (bodyFile) createReadStream(bodyFile).pipe(req);
    else req.end();
  });
}

function ratio(a: number, b: number | undefined): string {
  return b ? `${fmt(a / b, 2)}×` : 'n/a';
}

function report(berth: Figures, ref: Figures | null, floor: CliFloor | null): string {
  const rows: Array<[string, (f: Figures) => number, number, string]> = [
    ['`docker load`, 200 MB in 4 layers (MB/s)', (f) => f.loadMBs, 1, '≥ 1× dockerd'],
    ['`docker save`, same image (MB/s)', (f) => f.saveMBs, 1, '≥ 1× dockerd'],
    [`\`GET /_ping\`, c=${CONCURRENCY} (req/s)`, (f) => f.pingRps, 2, '≥ 2× dockerd'],
    [`\`GET /images/json\`, c=${CONCURRENCY} (req/s)`, (f) => f.imagesRps, 2, '≥ 2× dockerd'],
  ];
  const lines = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (bench/run.ts). Each figure is the median of ' +
      `${RUNS} runs; request rates use ${REQUESTS} requests per run over ${CONCURRENCY} keep-alive ` +
      'connections on the unix socket, after a warm-up. Both daemons run in the same ' +
      'session on temporary roots, one after the other, so they see the same machine.',
    '',
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${fmt(totalmem() / 2 ** 30, 1)} GiB, Linux ${release()}, Node ${process.version}; ` +
      `berth ${berth.daemon.version}` + (ref ? `, reference dockerd ${ref.daemon.version}` : ', no reference daemon') + '.',
    `Date: ${new Date().toISOString().slice(0, 10)}.`,
    '',
    '| Measure | berth | dockerd | berth / dockerd | Target | Met |',
    '|---|---:|---:|---:|---|---|',
  ];
  for (const [label, get, target, targetText] of rows) {
    const b = get(berth);
    const r = ref ? get(ref) : undefined;
    const met = r === undefined ? 'n/a' : b / r >= target ? 'yes' : 'no';
    lines.push(`| ${label} | ${fmt(b)} | ${r === undefined ? 'n/a' : fmt(r)} | ${ratio(b, r)} | ${targetText} | ${met} |`);
  }
  lines.push('', 'Noise: on this 2-core machine single runs vary by 10–30 %; compare ratios of medians, not single figures.', '');
  lines.push(
    'Reading the request rates: the load generator (bench/loadgen.c, built by the bench) is',
    'a C program on the same two cores, spending about 3 µs of CPU per request, so the',
    'figures are the servers\'. dockerd spends about 40 µs of CPU per `/_ping` across both',
    'cores. berth\'s front door answers the first pings of a connection on the event loop,',
    'and a connection that goes on pinging moves to the porch, a native thread that answers',
    'them on the other core (docs/ARCHITECTURE.md, "The porch"). `/images/json` is answered',
    'by the front door on the event loop, from the graph\'s list kept in memory.', '');
  if (berth.containers) lines.push(...containerReport(berth.containers, ref?.containers ?? null, floor));
  if (berth.build) lines.push(...buildReport(berth.build, ref?.build ?? null, floor));
  if (berth.network) lines.push(...networkReport(berth.network, ref?.network ?? null));
  if (berth.registry) lines.push(...registryReport(berth.registry, ref?.registry ?? null));
  return lines.join('\n');
}

async function main(): Promise<void> {
  const archive = await benchArchive(join(repoRoot, '.tmp', 'bench'));
  const load = await buildLoadGen(repoRoot, join(repoRoot, '.tmp', 'bench'));
  // One registry for both daemons, so they pull the same blobs from the same server.
  const registry = process.env.BENCH_ONLY === 'foundation' ? null : await startBenchRegistry(archive);
  let berth: Figures;
  let ref: Figures | null = null;
  try {
    const berthDaemon = await startBerth();
    try {
      berth = await measure(berthDaemon, archive, registry, load);
    } finally {
      await berthDaemon.stop();
    }
    const refDaemon = await startReference();
    if (refDaemon) {
      try {
        ref = await measure(refDaemon, archive, registry, load);
      } finally {
        await refDaemon.stop();
      }
    }
  } finally {
    await registry?.stop();
  }
  // The CLI against a stub: daemon-independent, so measured once (bench/cli-floor.ts).
  const floor = berth.containers ? await measureCliFloor() : null;
  const text = report(berth, ref, floor);
  writeFileSync(join(repoRoot, 'docs', 'BENCHMARKS.md'), text);
  process.stdout.write(text);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
