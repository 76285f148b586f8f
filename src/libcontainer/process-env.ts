/**
 * A process's environment as dockerd 20.10 settles it (ReplaceOrAppendEnvValues):
 * `KEY=value` replaces the key in place or appends it; a bare `KEY` (compose's
 * `environment: [KEY]` or `-e KEY` with KEY unset on the client) unsets the key,
 * even the daemon's PATH, HOSTNAME or TERM, and never reaches the process itself.
 * A later `KEY=value` fills the unset key's old place again, as dockerd's does.
 */
export function processEnv(...lists: (readonly string[] | undefined)[]): string[] {
  const out: (string | undefined)[] = [];
  const index = new Map<string, number>();
  for (const list of lists) {
    for (const kv of list ?? []) {
      const eq = kv.indexOf('=');
      const key = eq < 0 ? kv : kv.slice(0, eq);
      const value = eq < 0 ? undefined : kv;
      const at = index.get(key);
      if (at !== undefined) out[at] = value;
      else if (value !== undefined) {
        index.set(key, out.length);
        out.push(value);
      }
    }
  }
  return out.filter((kv): kv is string => kv !== undefined);
}
