import { InvalidParameter } from '../../engine/errors.js';
import { checkFilters, matchLabels, matchNoLabels } from '../../graph/filters.js';
import type { Filters } from '../../server/query.js';
import type { Volume } from '../../volumes/local.js';

export type VolumePredicate = (v: Volume, inUse: boolean) => boolean;

/** Go's filters.Match: a value matches when equal or as a regular expression (RE2 ~ JS here). */
function matchName(values: string[], name: string): boolean {
  return values.some((v) => {
    if (v === name) return true;
    try {
      return new RegExp(v).test(name);
    } catch {
      return false;
    }
  });
}

/** `dangling`: true/1 or false/0, else dockerd's message with the values as a Go slice. */
function dangling(values: string[]): boolean {
  if (values.includes('true') || values.includes('1')) return true;
  if (values.includes('false') || values.includes('0')) return false;
  throw new InvalidParameter(`Invalid filter 'dangling=[${values.join(' ')}]'`);
}

/** `GET /volumes` filters as dockerd 20.10: dangling, name, driver, label. */
export function listFilter(filters: Filters): VolumePredicate {
  checkFilters(filters, ['dangling', 'name', 'driver', 'label']);
  const wantDangling = filters.dangling?.length ? dangling(filters.dangling) : undefined;
  return (v, inUse) => {
    if (filters.driver?.length && !filters.driver.includes(v.Driver)) return false;
    if (filters.name?.length && !matchName(filters.name, v.Name)) return false;
    if (!matchLabels(filters.label, v.Labels)) return false;
    if (wantDangling !== undefined && wantDangling === inUse) return false;
    return true;
  };
}

/** `POST /volumes/prune` filters: label and label!. */
export function pruneFilter(filters: Filters): VolumePredicate {
  checkFilters(filters, ['label', 'label!']);
  return (v) => matchLabels(filters.label, v.Labels) && matchNoLabels(filters['label!'], v.Labels);
}
