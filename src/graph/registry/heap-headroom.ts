import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what the last full GC left, while
 * layers stream through the daemon: limit = live size x (1 + percent/100).
 *
 * Why: V8 counts every Buffer's memory (outside the JS heap) toward the old
 * generation's limit until a young-generation GC has found it dead, and a pull
 * allocates such memory fast (each body chunk, its copy by the HTTP parser, each
 * gunzip output piece: ~600 MB for a 200 MB pull) while allocating few JS objects,
 * so young GCs are rare. With the daemon's small heap (~12 MB live, limit ~22 MB)
 * the ~10 MB of headroom filled between two young GCs, and V8 ran a full
 * mark-compact each time: ~25 per 200 MB pull, 0.4-0.6 s of CPU (most of it on
 * V8's helper threads, the rest as main-thread pauses). With 4x growth the
 * headroom outlasts the young GCs that free those buffers: 1-3 mark-compacts.
 *
 * Zero is V8's default (its own dynamic factor); it is put back when the last
 * transfer ends, and the next full GC sizes the heap as before.
 */
const GROWING_PERCENT = 300;

let holders = 0;

/** Ask for the headroom until the returned function is called (idempotent). */
export function holdHeapHeadroom(): () => void {
  if (holders++ === 0) setFlagsFromString(`--heap-growing-percent=${GROWING_PERCENT}`);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders === 0) setFlagsFromString('--heap-growing-percent=0');
  };
}
