import { NotFound } from '../../engine/errors.js';
import { configMatches, parsePlatform } from '../../graph/registry/platform.js';

/**
 * dockerd 20.10's GetImage with a platform: an image of another platform is "not
 * found" (so the CLI pulls the right one; with --pull never it shows this message).
 */
export function checkImagePlatform(ref: string, platform: string, img: { os: string; architecture: string; variant?: string }): void {
  if (!platform) return;
  const want = parsePlatform(platform);
  if (configMatches(img, want)) return;
  const fmt = (p: { os: string; architecture: string; variant?: string | undefined }) => [p.os, p.architecture, p.variant].filter(Boolean).join('/');
  throw new NotFound(`image with reference ${ref} was found but does not match the specified platform: wanted ${fmt(want)}, actual: ${fmt(img)}`);
}
