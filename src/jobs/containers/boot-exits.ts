/**
 * Containers found again at daemon start, with the time they were found. An exit the
 * shim recorded before that time happened while the daemon was away: dockerd's
 * restore marks such a container stopped without a `die` event and lets the boot
 * start (restart count reset) or `--rm` removal deal with it, not the restart
 * manager's back-off and count.
 */
const restoredAt = new Map<string, number>();

export function markRestored(id: string, atMs: number): void {
  restoredAt.set(id, atMs);
}

/** Whether this exit of a restored container predates the daemon's start (asked once per id). */
export function exitedWhileAway(id: string, finishedAt: string): boolean {
  const at = restoredAt.get(id);
  restoredAt.delete(id);
  return at !== undefined && Date.parse(finishedAt) <= at;
}
