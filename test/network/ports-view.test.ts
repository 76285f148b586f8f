import { test } from 'node:test';
import assert from 'node:assert/strict';
import { daemonWithBusybox, inspect, ok } from '../helpers/cli.js';

/**
 * Exposed ports of a container on the host's network or none: dockerd 20.10 shows none
 * of them (its sandbox has no endpoint that maps ports); on a bridge an unpublished
 * exposed port is listed with no binding.
 */
test('exposed ports: hidden on host and none, listed unbound on the bridge', { timeout: 60_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  for (const [mode, map, column] of [['none', '{}', ''], ['host', '{}', ''], ['bridge', '{"8080/tcp":null}', '8080/tcp']] as const) {
    await ok(d, ['run', '-d', '--name', `p-${mode}`, '--network', mode, '--expose', '8080', 'busybox', 'sleep', '30']);
    assert.equal(await inspect(d, `p-${mode}`, '{{json .NetworkSettings.Ports}}'), map, mode);
    assert.equal((await ok(d, ['ps', '--filter', `name=p-${mode}`, '--format', '{{.Ports}}'])).trim(), column, mode);
    await ok(d, ['rm', '-f', `p-${mode}`]);
  }
});
