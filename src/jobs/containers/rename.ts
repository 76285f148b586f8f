import { Conflict, InvalidParameter } from '../../engine/errors.js';
import type { Handler } from '../context.js';
import { containersOf, publish } from './common.js';
import { checkName } from './names.js';

/** `POST /containers/{id}/rename?name=`: dockerd's checks and messages, event `rename` with oldName. */
export const containerRename: Handler<'container_rename'> = async (job, ctx) => {
  const store = containersOf(ctx);
  const { name, newName } = job.args;
  if (name === '' || newName === '') throw new InvalidParameter('Neither old nor new names may be empty');
  const c = store.get(name);
  const wanted = `/${newName.replace(/^\//, '')}`;
  const old = c.Name;
  if (wanted === old) throw new InvalidParameter('Renaming a container with the same name as its current name');
  try {
    // dockerd's reserveName checks the name with its slash ("Invalid container name (/a b)").
    checkName(wanted);
    store.reserveCheck(wanted);
  } catch (err) {
    // dockerd's rename wraps the registrar's errors.
    if (err instanceof Conflict) throw new Conflict(`Error when allocating new name: ${err.message}`);
    if (err instanceof InvalidParameter) throw new InvalidParameter(`Error when allocating new name: ${err.message}`);
    throw err;
  }
  c.Name = wanted;
  store.save(c);
  ctx.network?.renamed(c, old);
  publish(ctx, c, 'rename', { oldName: old });
};
