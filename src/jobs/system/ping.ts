import type { Handler } from '../context.js';

/** `GET /_ping`: the daemon is up. The body is the literal `OK` dockerd sends. */
export const systemPing: Handler<'system_ping'> = async () => 'OK';
