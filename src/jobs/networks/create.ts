import { createNetwork } from '../../network/create.js';
import type { Handler } from '../context.js';
import { networksOf } from './common.js';

/** `POST /networks/create`. */
export const networkCreate: Handler<'network_create'> = async (job, ctx) => createNetwork(networksOf(ctx), job.args.body);
