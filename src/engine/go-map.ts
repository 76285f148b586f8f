/**
 * A copy of `m` with its keys in sorted order: the order Go's encoding/json writes a
 * map's keys in, wherever dockerd marshals a Go map (event attributes, the v1 JSON and
 * `repositories` of docker save, the maps inside a container config).
 */
export function goMap<T>(m: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(m).sort().map((k) => [k, m[k]!]));
}
