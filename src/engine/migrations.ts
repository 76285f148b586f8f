/**
 * Schema migrations, numbered in code and applied in order at open (see Store).
 * Never edit a migration that has shipped; add the next number.
 */
export interface Migration {
  version: number;
  sql: string;
}

export const migrations: Migration[] = [
  {
    version: 1,
    sql: `
      -- Key/value settings the daemon persists (bridge subnet chosen at first start...).
      CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );

      -- Image layers, keyed by chainID (OCI image spec). A row exists only once the
      -- layer's content was verified and fully extracted into the graphdriver
      -- directory named by cache_id; a crash mid-extract leaves only a directory,
      -- which the graph sweeps at start-up.
      CREATE TABLE layers (
        chain_id   TEXT PRIMARY KEY,
        diff_id    TEXT NOT NULL,
        parent     TEXT REFERENCES layers(chain_id),
        cache_id   TEXT NOT NULL UNIQUE,
        size       INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      );

      -- Images, keyed by ID = sha256 of the config JSON, stored byte for byte.
      CREATE TABLE images (
        id         TEXT PRIMARY KEY,
        config     BLOB NOT NULL,
        top_layer  TEXT REFERENCES layers(chain_id),
        parent     TEXT,
        created_at INTEGER NOT NULL,
        -- When a tag last moved to this image (ms), for inspect's Metadata.LastTagTime.
        last_tagged INTEGER
      );

      -- Tags: normalised reference (docker.io/library/busybox:latest) -> image.
      CREATE TABLE tags (
        ref      TEXT PRIMARY KEY,
        image_id TEXT NOT NULL REFERENCES images(id),
        added_at INTEGER NOT NULL
      );
      CREATE INDEX tags_image ON tags(image_id);

      -- Digest references (docker.io/library/busybox@sha256:...) of pulled images.
      CREATE TABLE digests (
        ref      TEXT PRIMARY KEY,
        image_id TEXT NOT NULL REFERENCES images(id)
      );
      CREATE INDEX digests_image ON digests(image_id);

      -- Manifests by digest, as fetched, so pull-by-digest and push can reuse them.
      CREATE TABLE manifests (
        digest     TEXT PRIMARY KEY,
        media_type TEXT NOT NULL,
        content    BLOB NOT NULL
      );
    `,
  },
  {
    version: 2,
    sql: `
      -- Containers: one row each, the whole record (config, host config, state) as JSON,
      -- rewritten on every state transition. Name and image are columns for the unique
      -- name constraint and for the image "in use" lookups.
      CREATE TABLE containers (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL UNIQUE,
        image      TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        record     TEXT NOT NULL
      );
      CREATE INDEX containers_image ON containers(image);
    `,
  },
  {
    version: 3,
    sql: `
      -- Volumes of the local driver: data lives in <data-root>/volumes/<name>/_data;
      -- labels and options are JSON objects (NULL when the client sent none).
      CREATE TABLE volumes (
        name       TEXT PRIMARY KEY,
        driver     TEXT NOT NULL,
        labels     TEXT,
        options    TEXT,
        created_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 4,
    sql: `
      -- Networks (bridge, host, null drivers): the whole network as JSON (subnet,
      -- gateway, options, labels, the bridge device and whether berth created it).
      CREATE TABLE networks (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        record     TEXT NOT NULL
      );

      -- A container's attachment to a network, from create/connect until rm/disconnect:
      -- the requested config (aliases, --ip) always, and while it runs the live part
      -- (address lease, MAC, host veth, published ports) as JSON. The address column
      -- is the IP lease itself: unique per network.
      CREATE TABLE endpoints (
        container_id TEXT NOT NULL,
        network_id   TEXT NOT NULL REFERENCES networks(id),
        address      TEXT,
        record       TEXT NOT NULL,
        PRIMARY KEY (container_id, network_id),
        UNIQUE (network_id, address)
      );
    `,
  },
  {
    version: 5,
    sql: `
      -- Where a layer's compressed blob is known to be, as dockerd's v2 metadata: the
      -- repository it was pulled from, pushed to or mounted into, by registry host.
      -- A push HEADs and mounts from these, and finds again the digest of a layer it
      -- compressed before, so pushing twice needs no upload.
      CREATE TABLE layer_blobs (
        diff_id    TEXT NOT NULL,
        digest     TEXT NOT NULL,
        registry   TEXT NOT NULL,
        repository TEXT NOT NULL,
        size       INTEGER NOT NULL,
        seen_at    INTEGER NOT NULL,
        PRIMARY KEY (diff_id, registry, repository, digest)
      );
    `,
  },
];
