import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kindOf } from '../../engine/errors.js';
import type { Resources } from './resources.js';
import { hostLimits, parseCpuList, validateResources, type HostLimits } from './validate.js';

const host: HostLimits = { cpus: 2, cpusetCpus: '0-1', cpusetMems: '0' };
const MiB = 1024 * 1024;
const refused = (r: Resources, msg: string, update = false): void =>
  assert.throws(() => validateResources(r, host, update), (e: unknown) => kindOf(e) === 'invalid_parameter' && (e as Error).message === msg);

test('limits dockerd accepts pass', () => {
  validateResources({ memory: 64 * MiB, memorySwap: 128 * MiB, nanoCpus: 5e8, cpusetCpus: '0', pidsLimit: 20, cpuShares: 512 }, host);
  validateResources({ memory: 64 * MiB, memorySwap: -1, memorySwappiness: -1, cpuPeriod: 100000, cpuQuota: 50000, blkioWeight: 500 }, host);
  validateResources({ memorySwap: 128 * MiB }, host, true);
});

test('limits dockerd refuses, with its messages', () => {
  refused({ memory: 1 * MiB }, 'Minimum memory limit allowed is 6MB');
  refused({ memory: 64 * MiB, memorySwap: 32 * MiB }, 'Minimum memoryswap limit should be larger than memory limit, see usage');
  refused({ memorySwap: 32 * MiB }, 'You should always set the Memory limit when using Memoryswap limit, see usage');
  refused({ memorySwappiness: 101 }, 'Invalid value: 101, valid memory swappiness range is 0-100');
  refused({ memoryReservation: MiB }, 'Minimum memory reservation allowed is 6MB');
  refused({ memory: 16 * MiB, memoryReservation: 32 * MiB }, 'Minimum memory limit can not be less than memory reservation limit, see usage');
  refused({ nanoCpus: 1e9, cpuPeriod: 100000 }, 'Conflicting options: Nano CPUs and CPU Period cannot both be set');
  refused({ nanoCpus: 1e9, cpuQuota: 50000 }, 'Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  refused({ nanoCpus: 3e9 }, 'Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available');
  refused({ cpuPeriod: 500 }, 'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  refused({ cpuQuota: 500 }, 'CPU cfs quota can not be less than 1ms (i.e. 1000)');
  refused({ cpusetCpus: '0-3' }, 'Requested CPUs are not available - requested 0-3, available: 0-1');
  refused({ cpusetCpus: '1-0' }, 'Invalid value 1-0 for cpuset cpus: invalid format: 1-0');
  refused({ cpusetMems: '1' }, 'Requested memory nodes are not available - requested 1, available: 0');
  refused({ blkioWeight: 5 }, 'Range of blkio weight is from 10 to 1000');
});

test('cpu lists and this host\'s limits', async () => {
  assert.deepEqual([...parseCpuList('0-2,5,3')].sort(), [0, 1, 2, 3, 5]);
  assert.throws(() => parseCpuList('a'), /invalid format: a/);
  const h = await hostLimits();
  assert.ok(h.cpus >= 1);
  assert.ok(parseCpuList(h.cpusetCpus).has(0));
  assert.ok(parseCpuList(h.cpusetMems).size >= 1);
});
