import { test } from 'node:test';
import assert from 'node:assert/strict';
import { daemonWithBusybox, ok } from '../helpers/cli.js';

/**
 * Containers on the host's network or none, as dockerd 20.10 shows them: a sandbox ID
 * (kept after the stop), an endpoint ID on that network while running, and a line in
 * that network's inspect with empty addresses.
 */
test('host and none: SandboxID, EndpointID and the network inspect as dockerd 20.10', { timeout: 60_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const hex64 = /^[0-9a-f]{64}$/;
  for (const mode of ['host', 'none']) {
    const id = (await ok(d, ['run', '-d', '--network', mode, 'busybox', 'sleep', '100'])).trim();
    const view = async (): Promise<{ sandbox: string; endpoint: string }> => {
      const [s] = JSON.parse(await ok(d, ['inspect', id])) as Array<{ NetworkSettings: { SandboxID: string; EndpointID: string; Networks: Record<string, { EndpointID: string }> } }>;
      assert.equal(s!.NetworkSettings.EndpointID, '', 'the top-level fields are the default bridge\'s');
      return { sandbox: s!.NetworkSettings.SandboxID, endpoint: s!.NetworkSettings.Networks[mode]!.EndpointID };
    };
    const running = await view();
    assert.match(running.sandbox, hex64, mode);
    assert.match(running.endpoint, hex64, mode);
    const members = JSON.parse(await ok(d, ['network', 'inspect', '-f', '{{json .Containers}}', mode])) as Record<string, unknown>;
    assert.deepEqual(members[id], { Name: (await ok(d, ['inspect', '-f', '{{.Name}}', id])).trim().slice(1), EndpointID: running.endpoint, MacAddress: '', IPv4Address: '', IPv6Address: '' });
    await ok(d, ['stop', '-t', '0', id]);
    assert.deepEqual(await view(), { sandbox: running.sandbox, endpoint: '' }, mode);
    assert.deepEqual(JSON.parse(await ok(d, ['network', 'inspect', '-f', '{{json .Containers}}', mode])), {});
    await ok(d, ['rm', id]);
  }
});
