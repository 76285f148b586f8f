import { TokenCache } from '../../graph/registry/auth.js';
import type { RegistrySettings } from '../../graph/registry/types.js';
import type { JobContext } from '../context.js';

/**
 * Registry state that outlives one job: the Bearer token cache. Kept per daemon
 * (keyed by its job context) rather than in a module global, so daemons in one
 * process (tests) never share tokens.
 */
const caches = new WeakMap<JobContext, TokenCache>();

export function tokenCache(ctx: JobContext): TokenCache {
  let c = caches.get(ctx);
  if (!c) caches.set(ctx, (c = new TokenCache()));
  return c;
}

/** berth's own configuration directory (dockerd's is /etc/docker). */
const CONFIG_DIR = '/etc/berth';

/** The client's settings from the daemon config, read per job since they are reloadable (SIGHUP). */
export function registrySettings(ctx: JobContext): RegistrySettings {
  const c = ctx.config;
  return {
    insecureRegistries: c.insecureRegistries,
    registryMirrors: c.registryMirrors,
    maxDownloadAttempts: c.maxDownloadAttempts,
    certsDir: `${CONFIG_DIR}/certs.d`,
  };
}
