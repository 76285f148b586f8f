/**
 * `GET /distribution/{name}/json` (docker-py's inspect_distribution, `docker manifest
 * inspect`'s daemon side): what the registry holds under a reference, without pulling
 * it. As dockerd 20.10's getDistributionInfo: a name without tag or digest means
 * `latest`; the descriptor is the top manifest's; the platforms are an index's
 * entries', or the image config's os/architecture for a single image.
 */
import { NotFound } from '../../engine/errors.js';
import { parseConfig } from '../graph.js';
import type { Reference } from '../reference.js';
import type { TokenCache } from './auth.js';
import { RegistryClient } from './client.js';
import { RegistryError } from './errors.js';
import { fetchManifest, isIndex } from './manifest.js';
import { fetchConfig, splitRepo } from './pull.js';
import type { AuthConfig, ImageManifest, Platform, RegistrySettings } from './types.js';

export interface DistributionInspect {
  Descriptor: { mediaType: string; digest: string; size: number };
  Platforms: Platform[];
}

export interface InspectOptions {
  ref: Reference;
  creds: AuthConfig;
  settings: RegistrySettings;
  tokens: TokenCache;
  signal?: AbortSignal;
}

/** An OCI platform with Go's omitempty: empty optional fields left out. */
function platformOf(p: { os?: string; architecture?: string; variant?: string; 'os.version'?: string; 'os.features'?: string[] }): Platform {
  return {
    architecture: p.architecture ?? '', os: p.os ?? '',
    ...(p['os.version'] ? { 'os.version': p['os.version'] } : {}),
    ...(p['os.features']?.length ? { 'os.features': p['os.features'] } : {}),
    ...(p.variant ? { variant: p.variant } : {}),
  };
}

export async function inspectDistribution(opts: InspectOptions): Promise<DistributionInspect> {
  try {
    return await inspect(opts);
  } catch (err) {
    // The registry's 404 (manifest or name unknown) stays a 404 in its words, as dockerd answers.
    if (err instanceof RegistryError && err.status === 404) throw new NotFound(err.message);
    throw err;
  }
}

async function inspect(opts: InspectOptions): Promise<DistributionInspect> {
  const [host, path] = splitRepo(opts.ref.repo);
  const client = await RegistryClient.connect(host, { settings: opts.settings, creds: opts.creds, tokens: opts.tokens, forPull: true, ...(opts.signal ? { signal: opts.signal } : {}) });
  const top = await fetchManifest(client, path, opts.ref.digest ?? opts.ref.tag ?? 'latest');
  const Descriptor = { mediaType: top.mediaType, digest: top.digest, size: top.bytes.length };
  if (isIndex(top)) return { Descriptor, Platforms: top.parsed.manifests.map((m) => platformOf(m.platform ?? {})) };
  const config = parseConfig(await fetchConfig(client, path, top.parsed as ImageManifest)) as { os?: string; architecture?: string; variant?: string; 'os.version'?: string; 'os.features'?: string[] };
  return { Descriptor, Platforms: [platformOf(config)] };
}
