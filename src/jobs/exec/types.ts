/** Job table entries of `docker exec` (create, start, inspect, resize) and their shapes. */

/** `POST /containers/{id}/exec` body, as the route has checked it (Cmd is not empty). */
export interface ExecCreateArgs {
  name: string;
  cmd: string[];
  attachStdin: boolean;
  attachStdout: boolean;
  attachStderr: boolean;
  /** The raw `DetachKeys` string ('' for the default ctrl-p,ctrl-q). */
  detachKeys: string;
  tty: boolean;
  env: string[];
  privileged: boolean;
  user: string;
  workingDir: string;
}

/** `POST /exec/{id}/start` body: Detach answers at once; Tty says how errors and output are framed. */
export interface ExecStartArgs {
  id: string;
  detach: boolean;
  tty: boolean;
}

/** `GET /exec/{id}/json`, in dockerd 20.10's field order. */
export interface ExecInspect {
  ID: string;
  Running: boolean;
  ExitCode: number | null;
  ProcessConfig: { tty: boolean; entrypoint: string; arguments: string[]; privileged: boolean; user?: string };
  OpenStdin: boolean;
  OpenStderr: boolean;
  OpenStdout: boolean;
  CanRemove: boolean;
  ContainerID: string;
  /** The detach keys' bytes, base64 (Go's []byte), as dockerd shows them. */
  DetachKeys: string;
  Pid: number;
}

declare module '../../engine/job-table.js' {
  interface JobTable {
    exec_create: { args: ExecCreateArgs; result: { Id: string } };
    exec_start: { args: ExecStartArgs; result: void };
    exec_inspect: { args: { id: string }; result: ExecInspect };
    exec_resize: { args: { id: string; height: number; width: number }; result: void };
  }
}
