import os from 'node:os';
import { API_VERSION, MIN_API_VERSION, VERSION } from '../../engine/config.js';
import type { Handler } from '../context.js';
import { buildFacts } from './build.js';
import { goArch } from './host.js';

/** `GET /version`: the engine's version, the API range it serves, and the host it runs on. */
export const systemVersion: Handler<'system_version'> = async (_job, { config }) => {
  const { gitCommit, buildTime } = buildFacts();
  const goVersion = `node${process.versions.node}`;
  const kernel = os.release();
  const arch = goArch();
  return {
    Platform: { Name: 'berth' },
    Components: [{
      Name: 'Engine',
      Version: VERSION,
      Details: {
        ApiVersion: API_VERSION,
        Arch: arch,
        BuildTime: buildTime,
        Experimental: String(config.experimental),
        GitCommit: gitCommit,
        GoVersion: goVersion,
        KernelVersion: kernel,
        MinAPIVersion: MIN_API_VERSION,
        Os: 'linux',
      },
    }],
    Version: VERSION,
    ApiVersion: API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    GitCommit: gitCommit,
    GoVersion: goVersion,
    Os: 'linux',
    Arch: arch,
    KernelVersion: kernel,
    BuildTime: buildTime,
    ...(config.experimental ? { Experimental: true } : {}),
  };
};
