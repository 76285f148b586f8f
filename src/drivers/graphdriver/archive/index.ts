/**
 * Layer tars: extraction confined to a root with whiteout handling (apply.ts),
 * tar-split record and replay (split.ts), packing a layer dir (pack.ts) and change
 * lists and their tars (changes.ts). Drivers, `load`, `import`, `cp` and builds all
 * go through here.
 */
export { applyTar, type ApplyTarOptions, type WhiteoutMode } from './apply.js';
export { assembleTar } from './split.js';
export { packDir, type PackDirOptions } from './pack.js';
export { naiveChanges, overlayChanges, packChanges } from './changes.js';
