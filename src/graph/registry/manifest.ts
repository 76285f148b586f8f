import { createHash } from 'node:crypto';
import { InvalidParameter } from '../../engine/errors.js';
import type { RegistryClient } from './client.js';
import { errorFrom } from './errors.js';
import { BodyTooLarge, readBody } from './http.js';
import { MANIFEST_ACCEPT, MediaType, type Descriptor, type FetchedManifest, type ImageManifest, type ManifestIndex } from './types.js';

/** Manifests are small; a registry sending more is broken or hostile. */
export const MAX_MANIFEST_BYTES = 4 << 20;

export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * GET a manifest by tag or digest, with the media types dockerd accepts. The bytes
 * are kept as sent (their digest identifies the manifest); a digest reference is
 * verified against them.
 */
export async function fetchManifest(client: RegistryClient, repo: string, reference: string): Promise<FetchedManifest> {
  const url = client.url(repo, `manifests/${reference}`);
  const res = await client.request(repo, 'pull', { method: 'GET', url, headers: { accept: MANIFEST_ACCEPT.join(', ') } });
  if (res.statusCode !== 200) throw await errorFrom(res);
  let bytes: Buffer;
  try {
    bytes = await readBody(res, MAX_MANIFEST_BYTES, 'manifest');
  } catch (err) {
    if (err instanceof BodyTooLarge) throw new InvalidParameter(`manifest too large: ${err.message}`);
    throw err;
  }
  const digest = sha256Digest(bytes);
  if (reference.includes(':') && reference !== digest) {
    throw new InvalidParameter(`manifest verification failed for digest ${reference}`);
  }
  const parsed = parseManifest(bytes, String(res.headers['content-type'] ?? '').split(';')[0]!.trim());
  return { digest, mediaType: parsed.mediaType, bytes, parsed: parsed.manifest };
}

const isDigest = (d: unknown): d is string => typeof d === 'string' && /^sha256:[a-f0-9]{64}$/.test(d);

function checkDescriptor(d: unknown, what: string): Descriptor {
  const desc = d as Descriptor | null;
  if (!desc || typeof desc !== 'object' || !isDigest(desc.digest)) {
    throw new InvalidParameter(`invalid manifest: ${what} has no valid sha256 digest`);
  }
  if (typeof desc.size !== 'number' || desc.size < 0) throw new InvalidParameter(`invalid manifest: ${what} has no valid size`);
  return desc;
}

/** Parse and validate; the media type comes from the document, else from the Content-Type. */
export function parseManifest(bytes: Buffer, contentType: string): { mediaType: string; manifest: ImageManifest | ManifestIndex } {
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new InvalidParameter(`invalid manifest: ${(err as Error).message}`);
  }
  if (!m || typeof m !== 'object' || Array.isArray(m)) throw new InvalidParameter('invalid manifest: not a JSON object');
  if (m['schemaVersion'] === 1) {
    throw new InvalidParameter('support for Docker Image Manifest Version 2, Schema 1 has been removed: push the image again with a newer docker');
  }
  const declared = typeof m['mediaType'] === 'string' ? (m['mediaType'] as string) : '';
  const mediaType = declared || contentType || (Array.isArray(m['manifests']) ? MediaType.ociIndex : MediaType.ociManifest);
  if (mediaType === MediaType.dockerList || mediaType === MediaType.ociIndex) {
    if (!Array.isArray(m['manifests'])) throw new InvalidParameter('invalid manifest list: no manifests');
    (m['manifests'] as unknown[]).forEach((d, i) => checkDescriptor(d, `manifests[${i}]`));
    return { mediaType, manifest: m as unknown as ManifestIndex };
  }
  if (mediaType === MediaType.dockerManifest || mediaType === MediaType.ociManifest) {
    checkDescriptor(m['config'], 'config');
    if (!Array.isArray(m['layers'])) throw new InvalidParameter('invalid manifest: no layers');
    (m['layers'] as unknown[]).forEach((d, i) => checkDescriptor(d, `layers[${i}]`));
    return { mediaType, manifest: m as unknown as ImageManifest };
  }
  throw new InvalidParameter(`unsupported manifest media type: ${mediaType || 'none'}`);
}

export function isIndex(m: FetchedManifest): m is FetchedManifest & { parsed: ManifestIndex } {
  return m.mediaType === MediaType.dockerList || m.mediaType === MediaType.ociIndex;
}
