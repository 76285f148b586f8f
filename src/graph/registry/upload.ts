import { createHash } from 'node:crypto';
import type { RegistryClient } from './client.js';
import { RegistryError, errorFrom } from './errors.js';

/**
 * Blob uploads (Registry HTTP API v2): a session starts with a POST (or a
 * cross-repository mount, which may finish at once), its bytes go out in one PUT
 * when they fit a chunk, otherwise as PATCHes with `Content-Range` while the next
 * chunk is still being produced, and a final PUT names the digest, computed on the
 * way. Every answer's `Location` is the URL of the next request.
 */

/** Bytes per PATCH; a blob no larger goes out monolithically. */
export const UPLOAD_CHUNK = 8 << 20;

export type UploadStart = { mounted: true; digest: string } | { mounted: false; location: string };

/** The token scope of a push into `repo`. */
export const pushScope = (repo: string): string => `repository:${repo}:pull,push`;

/**
 * Open an upload session in `repo`; with `mount`, ask the registry to link the blob
 * from another repository instead (201: mounted; 202: it could not, and the answer
 * is an ordinary session).
 */
export async function startUpload(client: RegistryClient, repo: string, mount?: { digest: string; from: string }): Promise<UploadStart> {
  let url = client.url(repo, 'blobs/uploads/');
  if (mount) url += `?mount=${encodeURIComponent(mount.digest)}&from=${encodeURIComponent(mount.from)}`;
  const scopes = [pushScope(repo), ...(mount ? [`repository:${mount.from}:pull`] : [])];
  const res = await client.authorized(scopes, { method: 'POST', url, headers: { 'content-length': '0' } });
  if (res.statusCode === 201 && mount) {
    res.resume();
    return { mounted: true, digest: String(res.headers['docker-content-digest'] ?? mount.digest) };
  }
  if (res.statusCode !== 202) throw await errorFrom(res);
  res.resume();
  return { mounted: false, location: nextLocation(res.headers.location, url) };
}

/** A plain upload session's URL. */
export async function openUpload(client: RegistryClient, repo: string): Promise<string> {
  const started = await startUpload(client, repo);
  if (started.mounted) throw new RegistryError(0, 'BLOB_UPLOAD_INVALID', 'the registry answered an upload as a mount');
  return started.location;
}

function nextLocation(location: string | undefined, current: string): string {
  if (!location) throw new RegistryError(0, 'BLOB_UPLOAD_INVALID', 'the registry answered an upload without a Location');
  return new URL(location, current).toString();
}

/** Give a session up (a failed or replaced upload); the registry would expire it anyway. */
export async function cancelUpload(client: RegistryClient, repo: string, location: string): Promise<void> {
  try {
    const res = await client.request(repo, 'pull,push', { method: 'DELETE', url: location });
    res.resume();
  } catch {
    // Best effort.
  }
}

/**
 * Send `data` into the session at `location` and commit it under the digest of
 * what was sent. Resolves with that digest and the byte count.
 */
export async function uploadBlob(client: RegistryClient, repo: string, location: string, data: AsyncIterable<Buffer> | Iterable<Buffer>, chunkSize = UPLOAD_CHUNK): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let url = location;
  let size = 0;
  let sent = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let inflight: Promise<void> | null = null;

  const patch = async (body: { parts: Buffer[]; length: number }): Promise<void> => {
    const headers = {
      'content-type': 'application/octet-stream',
      'content-range': `${sent}-${sent + body.length - 1}`,
      'content-length': String(body.length),
    };
    const res = await client.request(repo, 'pull,push', { method: 'PATCH', url, headers, body: body.parts });
    if (res.statusCode !== 202) throw await errorFrom(res);
    res.resume();
    url = nextLocation(res.headers.location, url);
    sent += body.length;
  };
  // The chunk's buffers go out as they are: joining megabytes only to send them costs copies and GC.
  const take = (): { parts: Buffer[]; length: number } => {
    const out = { parts: pending, length: pendingBytes };
    pending = [];
    pendingBytes = 0;
    return out;
  };

  for await (const chunk of data) {
    hash.update(chunk);
    size += chunk.length;
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes >= chunkSize) {
      // One PATCH at a time (the registry appends in order); the next chunk fills meanwhile.
      if (inflight) await inflight;
      inflight = patch(take());
      inflight.catch(() => undefined);
    }
  }
  if (inflight) await inflight;
  const digest = `sha256:${hash.digest('hex')}`;
  let body = take();
  if (sent > 0 && body.length > 0) {
    await patch(body);
    body = { parts: [], length: 0 };
  }
  const put = new URL(url);
  put.searchParams.set('digest', digest);
  const headers = { 'content-type': 'application/octet-stream', 'content-length': String(body.length) };
  const res = await client.request(repo, 'pull,push', { method: 'PUT', url: put.toString(), headers, body: body.parts });
  if (res.statusCode !== 201 && res.statusCode !== 204) throw await errorFrom(res);
  res.resume();
  return { digest, size };
}
