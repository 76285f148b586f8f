import { test } from 'node:test';
import assert from 'node:assert/strict';
import { netDaemon, ok } from './helpers.js';
import { busyboxImage } from '../helpers/fixtures.js';

/**
 * berth's networks are IPv4 only, and as dockerd does there, the container's interface
 * has IPv6 switched off: no link-local address, no multicast groups, no router
 * advertisements taken (neighbour-cache poisoning and route injection by other
 * containers). Loopback keeps ::1. An IPv6 link-local address asked for keeps it on.
 */
test('IPv6 is off on a container\'s interface of an IPv4 network, on unless an IPv6 link-local address is asked', { timeout: 60_000 }, async (t) => {
  const d = await netDaemon(t);
  await ok(d, ['load', '-i', (await busyboxImage()).path]);
  const out = await ok(d, ['run', '--rm', 'busybox', 'sh', '-c',
    'cat /proc/sys/net/ipv6/conf/eth0/disable_ipv6; ip -6 addr show dev eth0 | grep -c inet6; ip -6 addr show dev lo | grep -c "::1"']);
  assert.deepEqual(out.trim().split('\n'), ['1', '0', '1']);
  await ok(d, ['network', 'create', 'six']);
  const ll = await ok(d, ['run', '--rm', '--network', 'six', '--link-local-ip', 'fe80::99', 'busybox', 'sh', '-c', 'ip -6 addr show dev eth0']);
  assert.match(ll, /inet6 fe80::99\/64/);
  await ok(d, ['network', 'rm', 'six']);
});
