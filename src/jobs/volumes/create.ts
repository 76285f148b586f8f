import { InvalidParameter } from '../../engine/errors.js';
import type { Handler } from '../context.js';
import { volumesOf } from './common.js';

/** `POST /volumes/create`: a local volume (an existing one is returned unchanged, as dockerd). */
export const volumeCreate: Handler<'volume_create'> = async (job, ctx) => {
  const { body } = job.args;
  if (body.Name !== undefined && typeof body.Name !== 'string') {
    throw new InvalidParameter('json: cannot unmarshal into Go struct field VolumeCreateBody.Name of type string');
  }
  const { volume } = await volumesOf(ctx).create({
    name: body.Name ?? '', driver: body.Driver ?? '', labels: body.Labels ?? null, options: body.DriverOpts ?? null,
  });
  return volume;
};
