/** The `native` execdriver: containers run under berth-shim. */
import type { ExecDriver, NativeDriverOptions } from '../types.js';
import { NativeDriver } from './driver.js';

export { StartFailed } from '../types.js';

export async function createNativeDriver(opts: NativeDriverOptions): Promise<ExecDriver> {
  return NativeDriver.create(opts);
}
