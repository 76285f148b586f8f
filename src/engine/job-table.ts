/**
 * The one table of job names with their argument and result types.
 *
 * Each area declares its own rows next to its handlers, by augmenting this interface
 * (see src/jobs/<area>/types.ts):
 *
 *   declare module '../../engine/job-table.js' {
 *     interface JobTable { image_list: { args: ImageListArgs; result: ImageSummary[] } }
 *   }
 *
 * TypeScript merges those declarations into this single interface, so
 * `engine.job('image_list', args)` is checked at compile time and a typo is a build
 * error, not a runtime 127.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface JobTable {}

export type JobName = keyof JobTable & string;
export type ArgsOf<N extends JobName> = JobTable[N] extends { args: infer A } ? A : never;
export type ResultOf<N extends JobName> = JobTable[N] extends { result: infer R } ? R : never;
