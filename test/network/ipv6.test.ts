import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fails, netDaemon, ok } from './helpers.js';
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

/**
 * A user-defined network with --ipv6 and an IPv6 subnet, as dockerd 20.10 serves it:
 * the bridge holds the IPv6 gateway, each container an address from the subnet (or
 * its --ip6) and a default route through it, /etc/hosts a line for it, the DNS server
 * AAAA records; inspect shows them. dockerd has no default IPv6 pool, nor has berth.
 */
test('--ipv6 networks: addresses, routes, names and inspect as dockerd 20.10', { timeout: 90_000 }, async (t) => {
  const d = await netDaemon(t);
  await ok(d, ['load', '-i', (await busyboxImage()).path]);
  const hex = () => Math.floor(Math.random() * 0xffff).toString(16);
  const prefix = `fd${hex().slice(0, 2).padStart(2, '0')}:${hex()}:${hex()}:${hex()}`;
  await fails(d, ['network', 'create', '--ipv6', 'nopool'], /could not find an available, non-overlapping IPv6 address pool among the defaults to assign to the network/);
  await ok(d, ['network', 'create', '--ipv6', '--subnet', `${prefix}::/64`, 'six']);
  assert.equal(await ok(d, ['network', 'inspect', '-f', '{{.EnableIPv6}} {{(index .IPAM.Config 1).Subnet}}', 'six']), `true ${prefix}::/64`);
  await fails(d, ['network', 'create', '--ipv6', '--subnet', `${prefix}::/80`, 'again'], /Pool overlaps with other one on this address space/);
  await ok(d, ['run', '-d', '--name', 'one', '--network', 'six', 'busybox', 'sleep', '600']);
  await ok(d, ['run', '-d', '--name', 'two', '--network', 'six', '--ip6', `${prefix}::99`, 'busybox', 'sleep', '600']);
  assert.equal(await ok(d, ['inspect', '-f', '{{with .NetworkSettings.Networks.six}}{{.GlobalIPv6Address}}/{{.GlobalIPv6PrefixLen}} {{.IPv6Gateway}}{{end}}', 'one']), `${prefix}::2/64 ${prefix}::1`);
  const inside = await ok(d, ['exec', 'one', 'sh', '-c', 'ip -6 -o addr show dev eth0 scope global | awk "{print \\$4}"; ip -6 route show default | cut -d" " -f1-3; grep -c "^' + prefix + '::2" /etc/hosts']);
  assert.deepEqual(inside.split('\n'), [`${prefix}::2/64`, `default via ${prefix}::1`, '1']);
  assert.match(await ok(d, ['exec', 'one', 'nslookup', '-type=AAAA', 'two']), new RegExp(`Address: ${prefix}::99`));
  await ok(d, ['exec', 'one', 'ping', '-6', '-c', '1', '-W', '3', 'two']);
  const containers = JSON.parse(await ok(d, ['network', 'inspect', '-f', '{{json .Containers}}', 'six'])) as Record<string, { Name: string; IPv6Address: string }>;
  assert.deepEqual(Object.values(containers).map((c) => `${c.Name} ${c.IPv6Address}`).sort(), [`one ${prefix}::2/64`, `two ${prefix}::99/64`]);
  await fails(d, ['run', '--rm', '--network', 'six', '--ip6', `${prefix}::99`, 'busybox', 'true'], /Address already in use/);
  await ok(d, ['rm', '-f', 'one', 'two']);
  await ok(d, ['network', 'rm', 'six']);
});

test('an endpoint\'s MacAddress at connect: shown before the start, the interface\'s after it', { timeout: 60_000 }, async (t) => {
  const d = await netDaemon(t);
  await ok(d, ['load', '-i', (await busyboxImage()).path]);
  await ok(d, ['network', 'create', 'macnet']);
  await ok(d, ['create', '--name', 'mac', 'busybox', 'sleep', '600']);
  await d.client().getNetwork('macnet').connect({ Container: 'mac', EndpointConfig: { MacAddress: '02:42:ac:11:00:99' } });
  assert.equal(await ok(d, ['inspect', '-f', '{{.NetworkSettings.Networks.macnet.MacAddress}}', 'mac']), '02:42:ac:11:00:99');
  await ok(d, ['start', 'mac']);
  assert.equal(await ok(d, ['exec', 'mac', 'cat', '/sys/class/net/eth1/address']), '02:42:ac:11:00:99');
  await ok(d, ['rm', '-f', 'mac']);
  await ok(d, ['network', 'rm', 'macnet']);
});

test('--ipv6 --fixed-cidr-v6: the default bridge gives containers IPv6 addresses, shown at the top of NetworkSettings', { timeout: 60_000 }, async (t) => {
  const hex = () => Math.floor(Math.random() * 0xffff).toString(16);
  const prefix = `fd${hex().slice(0, 2).padStart(2, '0')}:${hex()}:${hex()}:${hex()}`;
  const d = await netDaemon(t, { args: ['--ipv6', '--fixed-cidr-v6', `${prefix}::/64`] });
  await ok(d, ['load', '-i', (await busyboxImage()).path]);
  assert.equal(await ok(d, ['network', 'inspect', '-f', '{{.EnableIPv6}} {{json (index .IPAM.Config 1)}}', 'bridge']), `true {"Subnet":"${prefix}::/64","Gateway":"${prefix}::1"}`);
  await ok(d, ['run', '-d', '--name', 'six', 'busybox', 'sleep', '600']);
  assert.equal(await ok(d, ['inspect', '-f', '{{.NetworkSettings.GlobalIPv6Address}}/{{.NetworkSettings.GlobalIPv6PrefixLen}} {{.NetworkSettings.IPv6Gateway}}', 'six']), `${prefix}::2/64 ${prefix}::1`);
  assert.equal(await ok(d, ['run', '--rm', 'busybox', 'sh', '-c', `ping -6 -c 1 -W 3 ${prefix}::2 >/dev/null && echo reached`]), 'reached');
  await ok(d, ['rm', '-f', 'six']);
});
