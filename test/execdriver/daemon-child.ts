/**
 * A stand-in daemon for the restart tests: starts one container through the native
 * driver, prints its pid, then dies of SIGKILL as a crashed daemon would, leaving the
 * container to its shim.
 * argv: execRoot cgroupParent rootfs id stdin(0|1) args-json
 */
import { createLogger } from '../../src/engine/log.js';
import { buildSpec } from '../../src/libcontainer/spec.js';
import { createNativeDriver } from '../../src/drivers/execdriver/native/index.js';

const [execRoot, parent, rootfs, id, stdin, argsJson, logPath] = process.argv.slice(2) as [string, string, string, string, string, string, string];
const driver = await createNativeDriver({ execRoot, log: createLogger('error'), cgroupParent: parent });
const h = await driver.start({
  id, spec: buildSpec({ id, rootfs, cgroupParent: parent, args: JSON.parse(argsJson) as string[] }),
  resources: { memory: 64 * 1024 * 1024 }, logPath, stdin: stdin === '1', stdinOnce: false,
});
process.stdout.write(JSON.stringify({ pid: h.pid }) + '\n', () => process.kill(process.pid, 'SIGKILL'));
