/**
 * The layer-tar functions the drivers use, from src/drivers/graphdriver/archive
 * (extraction confined to the layer, whiteout conversion, packing, tar-split), kept
 * behind this one module so the drivers depend on that folder in one place.
 */
export { applyTar, assembleTar, naiveChanges, packChanges, packDir } from '../archive/index.js';
