import { randomBytes } from 'node:crypto';
import type { Store } from '../../engine/store.js';

const KEY = 'daemon_id';
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * The daemon's ID for `/info`: made once at first start and kept in the store's
 * settings, so it survives restarts. Shaped like dockerd 20.10's (twelve groups of
 * four base32 characters), which is what tools that display it expect.
 */
export function daemonId(store: Store): string {
  const row = store.db.prepare('SELECT value FROM settings WHERE key = ?').get(KEY) as { value: string } | undefined;
  if (row) return row.value;
  const id = newId();
  // INSERT OR IGNORE: if two first requests race, both read back the one that won.
  store.db.prepare('INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)').run(KEY, id);
  return (store.db.prepare('SELECT value FROM settings WHERE key = ?').get(KEY) as { value: string }).value;
}

function newId(): string {
  const bytes = randomBytes(30); // 240 bits = 48 base32 characters
  let bits = 0;
  let acc = 0;
  let out = '';
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0x1fff; // at most 12 bits are pending
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >> bits) & 31];
    }
  }
  return out.match(/.{4}/g)!.join(':');
}
