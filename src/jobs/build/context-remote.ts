import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { BLOCK, encodeHeaders, padding } from '../../drivers/graphdriver/archive/tar-header.js';
import { InvalidParameter, System } from '../../engine/errors.js';
import { getWithStatusError, prefixed } from '../../graph/remote/get.js';

/*
 * `POST /build?remote=URL`, as dockerd 20.10's remotecontext does it (docker-py and
 * compose send a URL context this way; the docker CLI downloads one itself): the
 * daemon GETs the URL. A text/plain answer is the Dockerfile alone; anything else
 * is read as the context's tar, compressed or not. Git URLs are cloned instead
 * (context-git.ts).
 */

/** dockerd's urlutil.IsGitURL. */
export function isGitUrl(s: string): boolean {
  if (/^https?:\/\//.test(s) && /\.git(?:#.+)?$/.test(s)) return true;
  return ['git://', 'github.com/', 'git@'].some((p) => s.startsWith(p));
}

/** The MIME types dockerd accepts for a remote context, by the start of Content-Type. */
const ACCEPTABLE = /^(?:text\/plain|application\/(?:x-)?(?:tar|gzip|bzip2|xz)|application\/octet-stream)/;

/** A tar holding just `text` as `name`: the context of a text/plain answer. */
function dockerfileTar(name: string, text: Buffer): Readable {
  const header = encodeHeaders({ name, typeflag: '0', mode: 0o644, uid: 0, gid: 0, size: text.length, mtime: Math.floor(Date.now() / 1000) });
  return Readable.from([header, text, Buffer.alloc(padding(text.length) + 2 * BLOCK)]);
}

/** GET the context; the body, a tar stream either way. */
export async function remoteContext(url: string, dockerfileName: string, signal: AbortSignal, downloaded: (bytes: number) => void): Promise<Readable> {
  if (!/^https?:\/\//.test(url)) throw new InvalidParameter(`remoteURL (${url}) could not be recognized as URL`);
  let res: IncomingMessage;
  try {
    ({ res } = await getWithStatusError(url, signal));
  } catch (err) {
    throw prefixed(err, `error downloading remote context ${url}: `);
  }
  // The first 512 bytes decide what the body is; the rest streams on behind them.
  const chunks = res[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let got = 0;
  let ended = false;
  while (!ended && got < 512) {
    const next = await chunks.next();
    if (next.done) ended = true;
    else {
      head.push(Buffer.from(next.value as Uint8Array));
      got += (next.value as Uint8Array).length;
    }
  }
  const preamble = Buffer.concat(head);
  if (preamble.length === 0) throw new System(`error detecting content type for remote ${url}: empty response`);
  let type = res.headers['content-type'] ?? '';
  // Servers often call a file without an extension (a Dockerfile) octet-stream: as
  // dockerd, look at the bytes then. Text is a Dockerfile; a tar or compressed tar not.
  if (type === '' || type === 'application/octet-stream') type = sniffType(preamble);
  const acceptable = ACCEPTABLE.exec(type)?.[0];
  if (!acceptable) throw new InvalidParameter(`error detecting content type for remote ${url}: unsupported Content-Type ${JSON.stringify(type)}`);
  async function* all(): AsyncGenerator<Buffer> {
    yield preamble;
    let total = preamble.length;
    if (!ended) {
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
        total += (next.value as Uint8Array).length;
        yield Buffer.from(next.value as Uint8Array);
      }
    }
    downloaded(total);
  }
  if (acceptable === 'text/plain') {
    const text: Buffer[] = [];
    for await (const c of all()) text.push(c);
    return dockerfileTar(dockerfileName || 'Dockerfile', Buffer.concat(text));
  }
  return Readable.from(all());
}

/**
 * What Go's http.DetectContentType says of the bytes, as far as it matters here:
 * gzip, bzip2 and xz by their magic, text when there are no binary bytes in the
 * first 512, else octet-stream (a tar).
 */
function sniffType(b: Buffer): string {
  if (b[0] === 0x1f && b[1] === 0x8b) return 'application/x-gzip';
  if (b.subarray(0, 3).toString('latin1') === 'BZh') return 'application/x-bzip2';
  if (b.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'application/x-xz';
  const head = b.subarray(0, 512);
  const binary = head.some((c) => c <= 0x08 || c === 0x0b || (c >= 0x0e && c <= 0x1a) || (c >= 0x1c && c <= 0x1f));
  return binary ? 'application/octet-stream' : 'text/plain; charset=utf-8';
}
