#!/usr/bin/env node
// Runs the whole suite on the compiled tree: unit tests beside their logic
// (dist/src/**/*.test.js), then integration tests (dist/test/**/*.test.js) that
// start real daemons. The final leak check is its own test file, run last.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function find(dir) {
  let out = [];
  let entries = [];
  try { entries = readdirSync(dir); } catch { return out; }
  for (const e of entries) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out = out.concat(find(p));
    else if (e.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

const only = process.argv.slice(2);
const unit = find('dist/src');
const integration = find('dist/test').filter((f) => !f.endsWith('leak-check.test.js'));
const leak = find('dist/test').filter((f) => f.endsWith('leak-check.test.js'));
let files = [...unit, ...integration, ...leak];
if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)));

let failed = false;
// Unit tests run in parallel; integration tests one file at a time, since each
// starts daemons, mounts and containers of its own and the machine has 2 cores.
const groups = [files.filter((f) => f.startsWith('dist/src')), ...files.filter((f) => !f.startsWith('dist/src')).map((f) => [f])];
for (const group of groups) {
  if (!group.length) continue;
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...group], { stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
