import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Allocator, checkNoOverlap, DEFAULT_POOLS, formatCidr, macFor, parseCidr, pickFreeSubnet } from './ipam.js';

test('parseCidr clears host bits and formats back', () => {
  assert.equal(formatCidr(parseCidr('10.9.3.4/16')), '10.9.0.0/16');
  assert.throws(() => parseCidr('10.9.0.0/33'), /invalid CIDR/);
  assert.throws(() => parseCidr('10.300.0.0/16'), /invalid IP/);
});

test('pickFreeSubnet follows dockerd pools and skips taken ranges', () => {
  assert.equal(formatCidr(pickFreeSubnet(DEFAULT_POOLS, [])), '172.17.0.0/16');
  assert.equal(formatCidr(pickFreeSubnet(DEFAULT_POOLS, [parseCidr('172.17.0.0/16')])), '172.18.0.0/16');
  // A /32 host route inside 172.18 also rules it out.
  const taken = [parseCidr('172.17.0.1/16'), parseCidr('172.18.5.5/32')];
  assert.equal(formatCidr(pickFreeSubnet(DEFAULT_POOLS, taken)), '172.19.0.0/16');
  const all172 = [parseCidr('172.16.0.0/12')];
  assert.equal(formatCidr(pickFreeSubnet(DEFAULT_POOLS, all172)), '192.168.0.0/20');
  assert.equal(formatCidr(pickFreeSubnet(DEFAULT_POOLS, [...all172, parseCidr('192.168.1.0/24')])), '192.168.16.0/20');
  assert.equal(formatCidr(pickFreeSubnet([{ base: '10.231.0.0/16', size: 24 }], [parseCidr('10.231.0.0/23')])), '10.231.2.0/24');
  assert.throws(() => pickFreeSubnet([{ base: '10.0.0.0/24', size: 24 }], [parseCidr('10.0.0.0/8')]),
    { message: "no available IPv4 addresses on this network's address pools: bridge" });
});

test('overlapping subnets are refused in libnetwork words', () => {
  assert.throws(() => checkNoOverlap(parseCidr('10.1.2.0/24'), [parseCidr('10.1.0.0/16')]),
    { message: 'Pool overlaps with other one on this address space' });
  checkNoOverlap(parseCidr('10.2.0.0/24'), [parseCidr('10.1.0.0/16')]);
});

test('Allocator hands out, refuses, releases and round-trips its state', () => {
  const a = new Allocator({ subnet: '10.9.0.0/29', gateway: Allocator.defaultGateway('10.9.0.0/29'), allocated: [] });
  assert.equal(a.allocate(), '10.9.0.2');
  assert.equal(a.allocate('10.9.0.5'), '10.9.0.5');
  assert.throws(() => a.allocate('10.9.0.5'), { message: 'Address already in use' });
  assert.throws(() => a.allocate('10.9.0.1'), { message: 'Address already in use' });
  assert.throws(() => a.allocate('10.8.0.5'), { message: "Invalid address 10.8.0.5: It does not belong to any of this network's subnets" });
  assert.equal(a.allocate(), '10.9.0.3');
  assert.equal(a.allocate(), '10.9.0.4');
  assert.equal(a.allocate(), '10.9.0.6');
  assert.throws(() => a.allocate(), /no available IPv4 addresses/); // .7 is broadcast
  a.release('10.9.0.3');
  const b = new Allocator(a.state());
  assert.deepEqual(b.state().allocated, ['10.9.0.2', '10.9.0.4', '10.9.0.5', '10.9.0.6']);
  assert.equal(b.allocate(), '10.9.0.3');
});

test('Allocator ip-range restricts dynamic addresses but not explicit ones', () => {
  const a = new Allocator({ subnet: '10.9.0.0/16', gateway: '10.9.0.1', range: '10.9.5.0/24', allocated: [] });
  assert.equal(a.allocate(), '10.9.5.0');
  assert.equal(a.allocate('10.9.0.5'), '10.9.0.5');
  assert.equal(a.state().range, '10.9.5.0/24');
  assert.throws(() => new Allocator({ subnet: '10.9.0.0/16', gateway: '10.8.0.1', allocated: [] }), /does not belong/);
});

test('macFor is 02:42 and the address bytes', () => {
  assert.equal(macFor('172.17.0.2'), '02:42:ac:11:00:02');
});
