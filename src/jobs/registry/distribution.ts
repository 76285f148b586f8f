import { parseNamed, withTag } from '../../graph/reference.js';
import { inspectDistribution } from '../../graph/registry/distribution.js';
import type { Handler } from '../context.js';
import { registrySettings, tokenCache } from './service.js';

/** `GET /distribution/{name}/json`: the registry's descriptor and platforms for a reference (`latest` when bare). */
export const distributionInspect: Handler<'distribution_inspect'> = async (job, ctx) => {
  const named = parseNamed(job.args.name);
  const ref = named.tag === undefined && named.digest === undefined ? withTag(named, 'latest') : named;
  return inspectDistribution({ ref, creds: job.args.auth, settings: registrySettings(ctx), tokens: tokenCache(ctx), signal: job.signal });
};
