declare module '../../engine/job-table.js' {
  interface JobTable {
    system_ping: { args: Record<string, never>; result: string };
  }
}
export {};
