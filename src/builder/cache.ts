import type { ContainerConfig } from '../graph/types.js';
import type { Backend, BuildImage } from './backend.js';

/*
 * The legacy build cache, as dockerd keeps it: no table of its own. Every step's
 * image records its parent and, as `container_config`, the config the step was
 * probed with (its Cmd carries the instruction, and for COPY/ADD the sources'
 * checksum). A step hits when a child of the current image was built with an equal
 * config; the newest wins. Being plain images, the cache survives restarts and
 * goes with `image prune -a` / `builder prune`.
 */

function sameList(a: readonly string[] | null | undefined, b: readonly string[] | null | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function sameKeys(a: Record<string, unknown> | null | undefined, b: Record<string, unknown> | null | undefined): boolean {
  const x = Object.keys(a ?? {});
  const y = b ?? {};
  return x.length === Object.keys(y).length && x.every((k) => k in y);
}

/** dockerd's image/cache compare: Image and Hostname do not count, OpenStdin never matches. */
export function sameConfig(a: ContainerConfig | undefined, b: ContainerConfig): boolean {
  if (!a || a.OpenStdin || b.OpenStdin) return false;
  if (Boolean(a.AttachStdout) !== Boolean(b.AttachStdout) || Boolean(a.AttachStderr) !== Boolean(b.AttachStderr)
    || (a.User ?? '') !== (b.User ?? '') || Boolean(a.Tty) !== Boolean(b.Tty)) return false;
  if (!sameList(a.Cmd, b.Cmd) || !sameList(a.Env, b.Env) || !sameList(a.Entrypoint, b.Entrypoint)) return false;
  const la = a.Labels ?? {};
  const lb = b.Labels ?? {};
  if (Object.keys(la).length !== Object.keys(lb).length || Object.entries(la).some(([k, v]) => lb[k] !== v)) return false;
  return sameKeys(a.ExposedPorts, b.ExposedPorts) && sameKeys(a.Volumes, b.Volumes);
}

/**
 * The cached image for a step on `parent` ('' for scratch) probed with `config`, if any.
 * `scope` is the `--cache-from` images with their ancestors: when given, dockerd's
 * ImageCache takes a local hit only if it lies in one of those images' chains, so a
 * build whose --cache-from names nothing here uses no cache at all.
 */
export function probeCache(backend: Backend, parent: string, config: ContainerConfig, scope: ReadonlySet<string> | null = null): BuildImage | null {
  let best: BuildImage | null = null;
  for (const img of backend.children(parent)) {
    if (scope && !scope.has(img.id)) continue;
    if (!sameConfig(img.config.container_config, config)) continue;
    if (!best || img.createdMs > best.createdMs) best = img;
  }
  return best;
}

/** The IDs a build with `--cache-from refs` may hit (null: any local image); names not here are skipped, as dockerd. */
export function cacheScope(backend: Backend, refs: readonly string[]): Set<string> | null {
  if (!refs.length) return null;
  return new Set(refs.flatMap((ref) => backend.lineage(ref)));
}
