import { mkdir, rm } from 'node:fs/promises';
import { InvalidParameter, NotFound } from '../../engine/errors.js';
import type { Handler } from '../context.js';
import { containerDir, containersOf, createRwLayer, publish, removeRwLayer } from './common.js';
import { mergeConfig, pathAndArgs, withHostDefaults } from './config.js';
import { validateHostConfig } from './validate-host.js';
import { verifyCreateRequest, type NetworkingConfigBody } from '../../network/configure.js';
import { validateLogConfig, withDaemonLogConfig } from './log-config.js';
import { validateNetMode } from './validate-netmode.js';
import { validateCapabilities, validateCreateRequest } from './validate-config.js';
import { validateHealthcheck } from './health-config.js';
import { discardBlkioWeight, discardBlkioWeightDevice } from './blkio-support.js';
import { hostPortsWarnings, kernelMemoryWarnings, oomKillWarnings } from './create-warnings.js';
import { registerLinks } from './links.js';
import { prepareMounts, releaseMounts, settleMounts } from './mounts.js';
import { checkName, generateId, generateName } from './names.js';
import { checkImagePlatform } from './create-platform.js';
import { initialState } from './state.js';
import { checkStorageOpt } from './storage-opt.js';
import type { ContainerRecord, HostConfig } from './types.js';

/** Network modes served until the network issue lands: none, host, container:<id>, and the default. */
function checkNetworkMode(mode: string): void {
  if (mode === 'default' || mode === 'none' || mode === 'host' || mode.startsWith('container:')) return;
  if (mode === 'bridge') return; // accepted and recorded; the bridge network itself is a later issue
  throw new NotFound(`network ${mode} not found`);
}

/**
 * `POST /containers/create`: validate as dockerd (name, image, command, network mode),
 * reserve the name, make the RW layer and the container dir, then write the record
 * (files before the row: a crash leaves only unreferenced files).
 */
export const containerCreate: Handler<'container_create'> = async (job, ctx) => {
  const containers = containersOf(ctx);
  const { body } = job.args;
  if (!body || typeof body !== 'object') throw new InvalidParameter('config cannot be empty in order to create a container');
  validateNetMode(body);
  const name = job.args.name === '' ? `/${generateName((n) => containers.nameTaken(n))}` : checkName(job.args.name);
  const id = generateId();
  const release = containers.reserve(name, id);
  try {
    return await create(ctx, body, name, id, job.args.platform ?? '');
  } finally {
    release();
  }
};

type CreateJob = Parameters<Handler<'container_create'>>;

/**
 * dockerd's generateSecurityOpt (run when the client sends no SecurityOpt, as the
 * CLI does) looks up the container of `--ipc container:X` and `--pid container:X`,
 * so a missing one fails the create, not the start.
 */
function checkNamespaceSources(containers: ReturnType<typeof containersOf>, h: HostConfig): void {
  if (h.SecurityOpt != null || h['Privileged'] === true) return;
  const modes = [h['IpcMode'], h['PidMode']].map((m) => (typeof m === 'string' ? m : ''));
  for (const m of modes) {
    const ref = m.startsWith('container:') ? m.slice('container:'.length) : '';
    // A 400 as dockerd answers it: a 404 would send the CLI off to pull the image.
    if (ref && !containers.find(ref)) throw new InvalidParameter(`No such container: ${ref}`);
  }
}

/** The create itself, once the name is held for `id`. */
async function create(ctx: CreateJob[1], body: CreateJob[0]['args']['body'], name: string, id: string, platform: string): Promise<{ Id: string; Warnings: string[] }> {
  const containers = containersOf(ctx);
  if (!body.Image) {
    // dockerd's words on the way to its own refusal: a body with no Config field at all
    // decodes to no Config; one without an image has no command to merge from it.
    if (!Object.keys(body).some((k) => k !== 'HostConfig' && k !== 'NetworkingConfig')) {
      throw new InvalidParameter('Config cannot be empty in order to create a container');
    }
    const none = (v: unknown): boolean => v == null || (Array.isArray(v) && v.length === 0) || v === '';
    if (none(body.Cmd) && none(body.Entrypoint)) throw new InvalidParameter('No command specified');
    // dockerd would create a container with no image at all; berth refuses it.
    throw new InvalidParameter('No image was specified');
  }
  validateCreateRequest(body);
  // dockerd's verifyContainerSettings and verifyNetworkingConfig, before the image is
  // looked up: the request's own healthcheck, the host config, the endpoint settings.
  validateHealthcheck(body);
  const hostConfig = withHostDefaults(body.HostConfig);
  withDaemonLogConfig(hostConfig, ctx.config.logDriver, ctx.config.logOpts);
  // dockerd names the runtime of a create without HostConfig (docker-py's without
  // host_config) only at its first start.
  if (body.HostConfig == null) delete hostConfig['Runtime'];
  // As sent: a strslice of one empty string ("") is a capability named "" to dockerd.
  validateCapabilities(body.HostConfig ?? {});
  // dockerd drops what the kernel cannot do (with a warning) before it checks the values.
  const discarded = [...kernelMemoryWarnings(hostConfig), ...oomKillWarnings(hostConfig), ...await discardBlkioWeight(hostConfig), ...await discardBlkioWeightDevice(hostConfig)];
  await validateHostConfig(hostConfig);
  verifyCreateRequest(hostConfig, body.NetworkingConfig as NetworkingConfigBody | undefined);
  let image;
  try {
    image = ctx.graph.resolve(body.Image);
  } catch (err) {
    // dockerd names the reference as typed, with its default tag (`No such image: busybox:nosuch`).
    if (err instanceof NotFound) throw new NotFound(err.message, { cause: err });
    throw err;
  }
  checkImagePlatform(body.Image, platform, image.config);
  const config = mergeConfig(body, image.config.config, id);
  validateLogConfig(hostConfig);
  checkNamespaceSources(containers, hostConfig);
  // In dockerd's order: resources (kernel memory, OOM, blkio), then the network's.
  const warnings = [...discarded, ...hostPortsWarnings(hostConfig)];
  registerLinks(ctx, name, hostConfig);
  const endpoint = ctx.network ? ctx.network.checkCreate(hostConfig, config.ExposedPorts ?? undefined, body.NetworkingConfig) : null;
  if (!ctx.network) checkNetworkMode(String(hostConfig.NetworkMode));
  const { path, args } = pathAndArgs(config);
  const record: ContainerRecord = {
    Id: id, Name: name, Created: new Date().toISOString(), Path: path, Args: args, Config: config,
    HostConfig: hostConfig, Image: image.id, ImageTopLayer: image.topLayer, State: initialState(), RestartCount: 0, Driver: ctx.graph.driver.name,
  };
  // dockerd's driver refuses these as it makes the layer, before the volumes.
  checkStorageOpt(ctx.graph.driver.name, hostConfig['StorageOpt']);
  // Volumes and binds first: a bad -v/--mount leaves nothing behind.
  await prepareMounts(ctx, record);
  try {
    await createRwLayer(ctx, id, image.topLayer, config.WorkingDir ?? '');
  } catch (err) {
    await releaseMounts(ctx, record, true);
    throw err;
  }
  try {
    await mkdir(containerDir(ctx, id), { recursive: true, mode: 0o710 });
    containers.insert(record);
    settleMounts(ctx, record);
    ctx.network?.recorded(record, endpoint);
  } catch (err) {
    await releaseMounts(ctx, record, true);
    await removeRwLayer(ctx, id).catch(() => undefined);
    await rm(containerDir(ctx, id), { recursive: true, force: true });
    throw err;
  }
  publish(ctx, record, 'create');
  return { Id: id, Warnings: warnings };
}
