import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freeSubnet, netDaemon } from './helpers.js';

/**
 * Creates that race, as scripts and compose projects start them: networks asking for
 * one subnet, and volumes of one name. dockerd gives one network and the overlap's
 * 403 to the rest, and one volume to all (a create of an existing volume returns it).
 */
test('parallel creates: one network per subnet, the others refused; one volume for all', { timeout: 60_000 }, async (t) => {
  const d = await netDaemon(t);
  const api = d.client();
  const subnet = freeSubnet();
  const got = await Promise.allSettled(Array.from({ length: 5 }, (_, i) =>
    api.createNetwork({ Name: `race${i}`, CheckDuplicate: true, IPAM: { Config: [{ Subnet: subnet }] } })));
  const made = got.filter((r) => r.status === 'fulfilled');
  assert.equal(made.length, 1);
  for (const r of got) {
    if (r.status === 'rejected') {
      const e = r.reason as { statusCode: number; message: string };
      assert.equal(e.statusCode, 403);
      assert.match(e.message, /Pool overlaps with other one on this address space/);
    }
  }
  const nets = (await api.listNetworks()).filter((n) => n.Name.startsWith('race'));
  assert.equal(nets.length, 1);
  await api.getNetwork(nets[0]!.Id).remove();

  // Every create succeeds (Promise.all rejects on the first failure).
  await Promise.all(Array.from({ length: 6 }, () => api.createVolume({ Name: 'racevol' })));
  assert.equal((await api.listVolumes()).Volumes.filter((v) => v.Name === 'racevol').length, 1);
});
