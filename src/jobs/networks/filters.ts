import { InvalidParameter } from '../../engine/errors.js';
import { checkFilters, matchLabels, matchNoLabels, parseTimestamp } from '../../graph/filters.js';
import type { Filters } from '../../server/query.js';
import type { NetworkController } from '../../network/controller.js';
import type { NetworkRecord } from '../../network/types.js';

/** Go's filters.Match: equal, or the value as a regular expression found in the field. */
function matches(values: string[] | undefined, field: string): boolean {
  if (!values?.length) return true;
  return values.some((v) => {
    if (v === field) return true;
    try { return new RegExp(v).test(field); } catch { return false; }
  });
}

function inUse(ctl: NetworkController, n: NetworkRecord): boolean {
  return ctl.records.endpointsIn(n.Id).some((e) => e.live);
}

/** `GET /networks` filters as dockerd 20.10: driver, id, label, name, scope, type, dangling. */
export function listFilter(ctl: NetworkController, filters: Filters): (n: NetworkRecord) => boolean {
  checkFilters(filters, ['dangling', 'driver', 'id', 'label', 'name', 'scope', 'type']);
  for (const t of filters.type ?? []) if (t !== 'custom' && t !== 'builtin') throw new InvalidParameter(`invalid filter: 'type'='${t}'`);
  let dangling: boolean | undefined;
  for (const d of filters.dangling ?? []) {
    if (d === 'true' || d === '1') dangling = true;
    else if (d === 'false' || d === '0') dangling = false;
    else throw new InvalidParameter(`invalid filter: 'dangling'='${d}'`);
  }
  return (n) => {
    if (filters.driver?.length && !filters.driver.includes(n.Driver)) return false;
    if (!matches(filters.id, n.Id) || !matches(filters.name, n.Name)) return false;
    if (!matchLabels(filters.label, n.Labels)) return false;
    if (filters.scope?.length && !filters.scope.includes('local')) return false;
    if (filters.type?.length && !filters.type.includes(n.predefined ? 'builtin' : 'custom')) return false;
    if (dangling !== undefined && (dangling === (n.predefined || inUse(ctl, n)))) return false;
    return true;
  };
}

/** `POST /networks/prune` filters: until, label, label!. */
export function pruneFilter(filters: Filters): (n: NetworkRecord) => boolean {
  checkFilters(filters, ['until', 'label', 'label!']);
  const until = filters.until?.length ? parseTimestamp(filters.until[0]!) : undefined;
  return (n) => matchLabels(filters.label, n.Labels) && matchNoLabels(filters['label!'], n.Labels)
    && (until === undefined || Date.parse(n.Created) < until);
}
