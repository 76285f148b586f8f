/** `GET /containers/{id}/logs` as the route hands it to the job: the query, unparsed where dockerd parses late. */
export interface ContainerLogsArgs {
  name: string;
  stdout: boolean;
  stderr: boolean;
  follow: boolean;
  timestamps: boolean;
  /** `details`: prefix each line with the record's attrs (`k=v,k2=v2 `), as dockerd. */
  details: boolean;
  /**
   * Unix seconds with an optional fraction ("1700000000.123456789"); '' for none. Kept
   * as text: dockerd parses them after the container lookup, so a bad value on an
   * unknown container is still a 404.
   */
  since: string;
  /** As `since`; '' or "0" for none. */
  until: string;
  /** A line count, or anything that is not an integer ("all"): everything. */
  tail: string;
}

declare module '../../engine/job-table.js' {
  interface JobTable {
    /** Streams the log (stdcopy-multiplexed without a TTY, raw with one) to the job's stdout. */
    container_logs: { args: ContainerLogsArgs; result: void };
  }
}
