/**
 * The vocabulary of the registry client (Registry HTTP API v2, the OCI distribution
 * spec). A *repository* is a name on a registry (`library/busybox` on `docker.io`);
 * a *descriptor* points at content by digest; a *manifest* lists an image's config
 * and layer blobs; an *index* (manifest list) lists manifests per platform.
 */

/** Credentials as the client sends them in `X-Registry-Auth` and `POST /auth`. */
export interface AuthConfig {
  username?: string;
  password?: string;
  /** Kept for old clients; unused. */
  email?: string;
  serveraddress?: string;
  /** A refresh token from an earlier login (OAuth2 flow of the token server). */
  identitytoken?: string;
  /** A bearer token to send as is. */
  registrytoken?: string;
  /** `base64(username:password)`, as in config.json. */
  auth?: string;
}

export const MediaType = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  schema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  schema1: 'application/vnd.docker.distribution.manifest.v1+json',
} as const;

/** What a manifest GET accepts, in dockerd 20.10's order. */
export const MANIFEST_ACCEPT = [
  MediaType.dockerManifest,
  MediaType.dockerList,
  MediaType.ociManifest,
  MediaType.ociIndex,
];

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  platform?: Platform;
  annotations?: Record<string, string>;
}

/** Docker v2 schema 2 or OCI image manifest. */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

/** Docker manifest list or OCI image index. */
export interface ManifestIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

/** A manifest as fetched: the exact bytes (their digest is the manifest's), parsed. */
export interface FetchedManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
  parsed: ImageManifest | ManifestIndex;
}

/** The registry client's view of the daemon's settings (from DaemonConfig, read per use: reloadable). */
export interface RegistrySettings {
  insecureRegistries: string[];
  registryMirrors: string[];
  maxDownloadAttempts: number;
  /** `<config dir>/certs.d`: per-registry CA and client certificates. */
  certsDir: string;
}
