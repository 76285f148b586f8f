import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { tempDir } from '../helpers/daemon.js';

/**
 * Debian's docker-registry (distribution 2.8) on a free loopback port with its own
 * storage and config, stopped by PID when the test ends; and a writer that puts
 * images into it through the registry's own HTTP API (blob uploads + manifest PUT).
 */
export const REGISTRY_BIN = '/usr/bin/docker-registry';

export interface TestRegistry {
  host: string;
  url: string;
  root: string;
  process: ChildProcess;
  /** Write headers for the registry's API (Basic when started with a user). */
  headers: Record<string, string>;
}

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** A bcrypt hash for htpasswd without apache2-utils: python3's crypt module. */
function bcrypt(password: string): string {
  return execFileSync('python3', ['-W', 'ignore', '-c', 'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))', password], { encoding: 'utf8' }).trim();
}

export interface RegistryOptions {
  /** htpasswd Basic auth with this one user. */
  user?: string;
  password?: string;
  /** distribution's `auth: token` (see ./token-server.ts); the test sets `headers` for its own writes. */
  token?: { realm: string; service: string; issuer: string; rootcertbundle: string };
}

export async function startRegistry(t: TestContext, opts: RegistryOptions = {}): Promise<TestRegistry> {
  const dir = tempDir(t, 'berth-registry-');
  const port = await freePort();
  const root = join(dir, 'storage');
  mkdirSync(root);
  let auth = '';
  if (opts.user) {
    writeFileSync(join(dir, 'htpasswd'), `${opts.user}:${bcrypt(opts.password ?? '')}\n`);
    auth = `auth:\n  htpasswd:\n    realm: berth-test\n    path: ${join(dir, 'htpasswd')}\n`;
  } else if (opts.token) {
    const k = opts.token;
    auth = `auth:\n  token:\n    realm: ${k.realm}\n    service: ${k.service}\n    issuer: ${k.issuer}\n    rootcertbundle: ${k.rootcertbundle}\n`;
  }
  const config = join(dir, 'config.yml');
  writeFileSync(config, `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${root}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n${auth}`);
  const p = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  p.stderr!.on('data', (c) => { log += c; });
  const exited = new Promise((r) => p.once('exit', r));
  t.after(async () => {
    if (p.exitCode === null && p.signalCode === null) {
      process.kill(p.pid!, 'SIGTERM');
      await exited;
    }
  });
  const reg: TestRegistry = {
    host: `127.0.0.1:${port}`, url: `http://127.0.0.1:${port}`, root, process: p,
    headers: opts.user ? { authorization: `Basic ${Buffer.from(`${opts.user}:${opts.password ?? ''}`).toString('base64')}` } : {},
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    const status = await call(reg, 'GET', '/v2/').then((r) => r.status, () => 0);
    if (status === 200 || status === 401) return reg;
    if (Date.now() > deadline || p.exitCode !== null) throw new Error(`docker-registry did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }

export function call(reg: TestRegistry, method: string, path: string, body?: Buffer, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${reg.url}${path}`, { method, headers: { ...reg.headers, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export const sha256 = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Upload one blob (monolithic: POST then PUT with the digest). */
export async function putBlob(reg: TestRegistry, repo: string, data: Buffer): Promise<string> {
  const digest = sha256(data);
  const start = await call(reg, 'POST', `/v2/${repo}/blobs/uploads/`);
  if (start.status !== 202) throw new Error(`upload start: ${start.status} ${start.body}`);
  const loc = new URL(String(start.headers.location), reg.url);
  loc.searchParams.set('digest', digest);
  const put = await call(reg, 'PUT', loc.pathname + loc.search, data, { 'content-type': 'application/octet-stream' });
  if (put.status !== 201) throw new Error(`upload: ${put.status} ${put.body}`);
  return digest;
}

export async function putManifest(reg: TestRegistry, repo: string, ref: string, mediaType: string, body: Buffer | string): Promise<string> {
  const r = await call(reg, 'PUT', `/v2/${repo}/manifests/${ref}`, Buffer.from(body), { 'content-type': mediaType });
  if (r.status !== 201) throw new Error(`manifest put: ${r.status} ${r.body}`);
  return sha256(Buffer.from(body));
}

/** The config and layer tars of a docker-archive fixture. */
export async function readArchive(path: string): Promise<{ config: Buffer; layers: Buffer[] }> {
  const files = new Map<string, Buffer>();
  const extract = tar.extract();
  const done = new Promise<void>((res, rej) => { extract.on('finish', () => res()); extract.on('error', rej); });
  extract.on('entry', (h, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => { chunks.push(c as Buffer); });
    stream.on('end', () => { files.set(h.name, Buffer.concat(chunks)); next(); });
  });
  extract.end(readFileSync(path));
  await done;
  const m = JSON.parse(files.get('manifest.json')!.toString())[0] as { Config: string; Layers: string[] };
  return { config: files.get(m.Config)!, layers: m.Layers.map((l) => files.get(l)!) };
}

export interface Pushed { digest: string; manifest: Buffer; layers: { digest: string; size: number }[]; config: string }

/** Push an image (config + layer tars) as a schema 2 (or OCI) manifest; layers gzipped unless `raw`. */
export async function pushImage(reg: TestRegistry, repo: string, tag: string, img: { config: Buffer; layers: Buffer[] }, opts: { oci?: boolean; raw?: boolean } = {}): Promise<Pushed> {
  const layers = [];
  for (const l of img.layers) {
    const blob = opts.raw ? l : gzipSync(l);
    layers.push({ digest: await putBlob(reg, repo, blob), size: blob.length });
  }
  const config = await putBlob(reg, repo, img.config);
  const mt = opts.oci
    ? { m: 'application/vnd.oci.image.manifest.v1+json', c: 'application/vnd.oci.image.config.v1+json', l: opts.raw ? 'application/vnd.oci.image.layer.v1.tar' : 'application/vnd.oci.image.layer.v1.tar+gzip' }
    : { m: 'application/vnd.docker.distribution.manifest.v2+json', c: 'application/vnd.docker.container.image.v1+json', l: 'application/vnd.docker.image.rootfs.diff.tar.gzip' };
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: mt.m,
    config: { mediaType: mt.c, size: img.config.length, digest: config },
    layers: layers.map((l) => ({ mediaType: mt.l, size: l.size, digest: l.digest })),
  }, null, 3));
  const digest = await putManifest(reg, repo, tag, mt.m, manifest);
  return { digest, manifest, layers, config };
}

/** The file a blob is stored in (to corrupt or remove it behind the registry's back). */
export function blobFile(reg: TestRegistry, digest: string): string {
  const hex = digest.slice(7);
  return join(reg.root, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
}

export const MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

/** Tag a schema 2 manifest list of pushed images, each with its platform; returns the list and its digest. */
export async function putManifestList(reg: TestRegistry, repo: string, tag: string, entries: { image: Pushed; platform: Record<string, string> }[]): Promise<{ list: string; digest: string }> {
  const list = JSON.stringify({
    schemaVersion: 2, mediaType: MANIFEST_LIST,
    manifests: entries.map(({ image, platform }) => ({ mediaType: 'application/vnd.docker.distribution.manifest.v2+json', size: image.manifest.length, digest: image.digest, platform })),
  });
  return { list, digest: await putManifest(reg, repo, tag, MANIFEST_LIST, list) };
}
