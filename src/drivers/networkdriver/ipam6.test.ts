import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocate6, contains6, formatCidr6, formatIp6, parseCidr6, parseIp6 } from './ipam6.js';

test('IPv6 addresses parse and print in the form Go prints them', () => {
  for (const [text, shown] of [['fd00:13::1', 'fd00:13::1'], ['2001:0DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], ['::', '::'], ['::1', '::1'], ['1:0:0:2:0:0:0:3', '1:0:0:2::3'], ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'], ['fe80:0:1::', 'fe80:0:1::']]) {
    assert.equal(formatIp6(parseIp6(text!)), shown, text);
  }
  assert.throws(() => parseIp6('1.2.3.4'), /invalid IPv6 address/);
  assert.throws(() => parseIp6('fd00::g'), /invalid IPv6 address/);
  assert.equal(formatCidr6(parseCidr6('2001:389::5/64')), '2001:389::/64');
  assert.throws(() => parseCidr6('2001:389::/129'), /invalid CIDR address/);
  assert.ok(contains6(parseCidr6('fd00:13::/64'), parseIp6('fd00:13::ffff:1')));
  assert.ok(!contains6(parseCidr6('fd00:13::/64'), parseIp6('fd00:14::1')));
});

test('IPv6 allocation: the lowest free address after the gateway, a request checked', () => {
  const v6 = { subnet: 'fd00:13::/64', gateway: 'fd00:13::1' };
  assert.equal(allocate6(v6, []), 'fd00:13::2');
  assert.equal(allocate6(v6, ['fd00:13::2', 'fd00:13::3']), 'fd00:13::4');
  assert.equal(allocate6({ ...v6, range: 'fd00:13::100/120' }, []), 'fd00:13::100');
  assert.equal(allocate6(v6, [], 'fd00:13::99'), 'fd00:13::99');
  assert.throws(() => allocate6(v6, [], 'fd00:14::99'), /Invalid address fd00:14::99: It does not belong to any of this network's subnets/);
  assert.throws(() => allocate6(v6, ['fd00:13::99'], 'fd00:13::99'), /Address already in use/);
  assert.throws(() => allocate6(v6, [], 'fd00:13::1'), /Address already in use/);
});
