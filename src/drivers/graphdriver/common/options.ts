import { InvalidParameter } from '../../../engine/errors.js';

/**
 * `--storage-opt` values for one driver: `<prefix>.<key>=<value>` (dockerd's form,
 * e.g. `overlay2.override_kernel_check=true`); a key of another driver or an
 * unknown key is refused with dockerd's wording so the daemon stops at start.
 */
export function parseOptions(driver: string, options: string[], known: string[], prefixes: string[] = [driver]): Map<string, string> {
  const out = new Map<string, string>();
  for (const opt of options) {
    const eq = opt.indexOf('=');
    if (eq <= 0) throw new InvalidParameter(`unable to parse storage option ${JSON.stringify(opt)}: expected key=value`);
    const full = opt.slice(0, eq).trim().toLowerCase();
    const dot = full.indexOf('.');
    const prefix = dot < 0 ? '' : full.slice(0, dot);
    const key = dot < 0 ? full : full.slice(dot + 1);
    if (!prefixes.includes(prefix) || !known.includes(key)) throw new InvalidParameter(`${driver}: unknown option ${full}`);
    out.set(key, opt.slice(eq + 1).trim());
  }
  return out;
}
