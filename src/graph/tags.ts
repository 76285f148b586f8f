import { InvalidParameter, NotFound } from '../engine/errors.js';
import type { Store } from '../engine/store.js';
import { familiar, familiarName, format, parseNamed, parseStored, withDefaultTag, type Reference } from './reference.js';

/**
 * The reference store: tags (`docker.io/library/busybox:latest`) and digest
 * references (`…/busybox@sha256:…`), each pointing at one image. Kept as
 * normalised strings; listed in the order dockerd lists them (by familiar string).
 */
export class Tags {
  constructor(private readonly store: Store) {}

  /** The image a reference points at, or undefined. `ref` is normalised and has a tag or digest. */
  lookup(ref: Reference): string | undefined {
    const table = ref.digest !== undefined ? 'digests' : 'tags';
    const row = this.store.prepare(`SELECT image_id FROM ${table} WHERE ref = ?`).get(format(ref)) as { image_id: string } | undefined;
    return row?.image_id;
  }

  /** Every reference to `imageId`, tags and digests, sorted by their familiar form. */
  references(imageId: string): Reference[] {
    const rows = this.store.prepare('SELECT ref FROM tags WHERE image_id = ? UNION ALL SELECT ref FROM digests WHERE image_id = ?')
      .all(imageId, imageId) as { ref: string }[];
    return rows.map((r) => parseStored(r.ref)).sort((a, b) => cmp(familiar(a), familiar(b)));
  }

  /** Point `ref` (a tag, `:latest` by default; or a name@digest) at `imageId`, moving it if needed. */
  add(imageId: string, ref: Reference): Reference {
    const r = withDefaultTag(ref);
    if (r.digest !== undefined && ref.tag !== undefined) throw new InvalidParameter('refusing to create a tag with a digest reference');
    if (familiarName(r.repo) === 'sha256') {
      throw new InvalidParameter('refusing to create an ambiguous tag using digest algorithm as name');
    }
    const now = Date.now();
    this.store.tx(() => {
      if (r.digest !== undefined) {
        this.store.prepare('INSERT INTO digests (ref, image_id) VALUES (?, ?) ON CONFLICT(ref) DO UPDATE SET image_id = excluded.image_id')
          .run(format(r), imageId);
      } else {
        this.store.prepare('INSERT INTO tags (ref, image_id, added_at) VALUES (?, ?, ?) ON CONFLICT(ref) DO UPDATE SET image_id = excluded.image_id, added_at = excluded.added_at')
          .run(format(r), imageId, now);
      }
      this.store.prepare('UPDATE images SET last_tagged = ? WHERE id = ?').run(now, imageId);
    });
    return r;
  }

  /** Remove one reference; returns the image it pointed at. NotFound when absent. */
  remove(ref: Reference): string {
    const r = withDefaultTag(ref);
    const table = r.digest !== undefined ? 'digests' : 'tags';
    const row = this.store.prepare(`DELETE FROM ${table} WHERE ref = ? RETURNING image_id`).get(format(r)) as { image_id: string } | undefined;
    if (!row) throw new NotFound(`No such image: ${familiar(r)}`);
    return row.image_id;
  }
}

/** Parse user input as a tag target (`repo[:tag]`, ParseNormalizedNamed + TagNameOnly). */
export function parseTagRef(input: string): Reference {
  return withDefaultTag(parseNamed(input));
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
