/** Job table entries of the lifecycle jobs (start, stop, kill, restart, wait, attach). */
export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

export interface AttachArgs {
  name: string;
  stream: boolean;
  logs: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  /** `detachKeys`, already parsed into bytes (ctrl-p,ctrl-q by default). */
  detachKeys: number[];
  /** Payloads only, never stdcopy frames (attach over websocket: dockerd's MuxStreams false). */
  raw?: boolean;
}

declare module '../../engine/job-table.js' {
  interface JobTable {
    container_start: { args: { name: string; hostConfig: boolean; checkpoint?: string }; result: void };
    container_stop: { args: { name: string; timeout: number | null }; result: void };
    container_kill: { args: { name: string; signal: string }; result: void };
    container_restart: { args: { name: string; timeout: number | null }; result: void };
    container_wait: { args: { name: string; condition: WaitCondition }; result: void };
    container_attach: { args: AttachArgs; result: void };
    container_resize: { args: { name: string; height: number; width: number }; result: void };
  }
}
