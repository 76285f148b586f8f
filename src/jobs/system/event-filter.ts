import type { DaemonEvent } from '../../engine/events.js';
import type { Filters } from '../../server/query.js';

/** The filter keys `GET /events` evaluates (dockerd's events.Filter); it ignores any other. */
export const EVENT_FILTERS = [
  'container', 'event', 'image', 'label', 'type', 'volume', 'network', 'daemon', 'scope',
  'plugin', 'node', 'service', 'secret', 'config',
] as const;

/** Event actions clients filter on without the `: detail` suffix (`exec_start: sh`). */
const PREFIX_ACTIONS = new Set(['health_status', 'exec_create', 'exec_start']);

/**
 * A predicate for `GET /events?filters=`, matching as dockerd's events.Filter does:
 * every given key must match; within a key any value may. Names match by prefix of
 * the actor's ID or its `name` attribute; images also by the container's `image`
 * attribute and with the tag stripped. An unknown key is ignored: dockerd 20.10's
 * getEvents never validates the keys (`docker events -f colour=red` lists everything).
 */
export function eventFilter(filters: Filters): (ev: DaemonEvent) => boolean {
  const known: readonly string[] = EVENT_FILTERS;
  const keys = Object.keys(filters).filter((k) => known.includes(k) && filters[k]!.length > 0);
  if (keys.length === 0) return () => true;
  const exact = (key: string, value: string | undefined) => !filters[key]?.length || (value !== undefined && filters[key]!.includes(value));
  const fuzzy = (key: string, value: string | undefined) =>
    !filters[key]?.length || (value !== undefined && filters[key]!.some((f) => value === f || value.startsWith(f)));
  const byName = (key: string, ev: DaemonEvent) =>
    !filters[key]?.length || (ev.Type === key && (fuzzy(key, ev.Actor.ID) || fuzzy(key, ev.Actor.Attributes.name)));
  const action = filters.event?.some((e) => PREFIX_ACTIONS.has(e)) ? fuzzy : exact;

  return (ev) =>
    action('event', ev.Action) &&
    exact('type', ev.Type) &&
    exact('scope', ev.scope) &&
    ['daemon', 'container', 'plugin', 'volume', 'network', 'node', 'service', 'secret', 'config'].every((k) => byName(k, ev)) &&
    matchImage(filters, ev) &&
    matchLabels(filters.label, ev.Actor.Attributes);
}

function matchImage(filters: Filters, ev: DaemonEvent): boolean {
  const wanted = filters.image;
  if (!wanted?.length) return true;
  const name = ev.Actor.Attributes[ev.Type === 'image' ? 'name' : 'image'] ?? '';
  return [ev.Actor.ID, name, stripTag(ev.Actor.ID), stripTag(name)].some((v) => wanted.includes(v));
}

/** `busybox:latest` → `busybox`; a registry port (`host:5000/x`) is not a tag. */
function stripTag(ref: string): string {
  const at = ref.indexOf('@');
  if (at >= 0) return ref.slice(0, at);
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? ref.slice(0, colon) : ref;
}

/** `label=k` needs the attribute, `label=k=v` its value too; all must hold. */
function matchLabels(labels: string[] | undefined, attrs: Record<string, string>): boolean {
  if (!labels?.length) return true;
  return labels.every((l) => {
    const eq = l.indexOf('=');
    const key = eq < 0 ? l : l.slice(0, eq);
    if (!(key in attrs)) return false;
    return eq < 0 || attrs[key] === l.slice(eq + 1);
  });
}
