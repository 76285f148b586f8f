import type { HandlerTable } from '../context.js';
import './files-types.js';
import { containerArchiveGet } from './archive-get.js';
import { containerArchivePut } from './archive-put.js';
import { containerArchiveStat } from './archive-stat.js';
import { containerChanges } from './changes.js';
import { containerCommit } from './commit.js';
import { containerExport } from './export.js';

/** The container filesystem jobs: `docker cp` both ways, export, diff, commit. */
export const containerFileJobs: HandlerTable = {
  container_archive_stat: containerArchiveStat,
  container_archive_get: containerArchiveGet,
  container_archive_put: containerArchivePut,
  container_export: containerExport,
  container_changes: containerChanges,
  container_commit: containerCommit,
};
