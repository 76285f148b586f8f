import { InvalidParameter } from '../../engine/errors.js';

/** What overlay2 answers for a size where project quotas are not available (berth has none). */
const OVERLAY_SIZE = "--storage-opt is supported only for overlay over xfs with 'pquota' mount option";

/**
 * `--storage-opt` (HostConfig.StorageOpt) as dockerd 20.10's graphdrivers refuse it when
 * they make the container's layer: berth has no disk quotas, so every option is refused
 * in the words of the driver of the same name (overlay: overlay2, whose layout berth's
 * overlay keeps). dockerd answers these with a 500; they are the request's fault, so a
 * 400 here. An empty map asks for nothing.
 */
export function checkStorageOpt(driver: string, opts: unknown): void {
  if (!opts || typeof opts !== 'object') return;
  const keys = Object.keys(opts).map((k) => k.toLowerCase());
  if (keys.length === 0) return;
  const other = keys.find((k) => k !== 'size');
  switch (driver) {
    case 'aufs':
      throw new InvalidParameter('--storage-opt is not supported for aufs');
    case 'vfs':
      // vfs reads one option (Go's map order: any one of them) before it asks for a quota.
      if (other) throw new InvalidParameter(`Storage opt ${other} not supported`);
      throw new InvalidParameter('Filesystem does not support, or has not enabled quotas');
    default:
      // overlay2 checks for `size` before it reads the options.
      if (keys.includes('size') || !other) throw new InvalidParameter(OVERLAY_SIZE);
      throw new InvalidParameter(`Unknown option ${other}`);
  }
}
