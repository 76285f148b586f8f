/**
 * The one place the network driver spawns host tools (`ip`, `iptables`, `nsenter`).
 * Always execFile with an argument array: names and addresses come from API requests,
 * so nothing may ever pass through a shell.
 */
import { execFile } from 'node:child_process';
import { System } from '../../engine/errors.js';

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a tool; a non-zero exit becomes a System error carrying the tool's stderr. */
export function run(file: string, args: readonly string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(file, [...args], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const detail = String(stderr).trim() || err.message;
        reject(new System(`${file} ${args.join(' ')}: ${detail}`, { cause: err }));
        return;
      }
      resolve({ stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Like run, but resolves false instead of throwing (for `iptables -C` and probes). */
export async function succeeds(file: string, args: readonly string[]): Promise<boolean> {
  try {
    await run(file, args);
    return true;
  } catch {
    return false;
  }
}

/**
 * `ip` inside a process's network namespace. nsenter (util-linux) enters
 * /proc/<pid>/ns/net directly, so no named netns (bind mount under /run/netns) has to
 * be created and cleaned up: the namespace lives exactly as long as the container.
 */
export function ipInNs(pid: number, args: readonly string[]): Promise<RunResult> {
  return run('nsenter', [`--net=/proc/${pid}/ns/net`, 'ip', ...args]);
}
