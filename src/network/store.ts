import type { Store } from '../engine/store.js';
import type { EndpointRecord, NetworkRecord } from './types.js';

/**
 * Networks and endpoints over the daemon's sqlite store (migration 4). Reads come
 * from memory (loaded at open); every change is written through first, so an
 * address lease the API reported survives a daemon kill.
 */
export class NetworkStore {
  private readonly networks = new Map<string, NetworkRecord>();
  /** Keyed `<container>/<network>`. */
  private readonly endpoints = new Map<string, EndpointRecord>();
  /**
   * The same endpoints by container (network id → endpoint, in the order they were
   * made): ps and inspect ask per container, and a scan of every endpoint for each of
   * 1000 containers made `docker ps -a` quadratic.
   */
  private readonly byContainer = new Map<string, Map<string, EndpointRecord>>();

  constructor(private readonly store: Store) {
    for (const r of store.prepare('SELECT record FROM networks').all() as Array<{ record: string }>) {
      const n = JSON.parse(r.record) as NetworkRecord;
      this.networks.set(n.Id, n);
    }
    for (const r of store.prepare('SELECT record FROM endpoints ORDER BY rowid').all() as Array<{ record: string }>) {
      const e = JSON.parse(r.record) as EndpointRecord;
      this.remember(e);
    }
  }

  private remember(e: EndpointRecord): void {
    this.endpoints.set(key(e.containerId, e.networkId), e);
    let mine = this.byContainer.get(e.containerId);
    if (!mine) this.byContainer.set(e.containerId, (mine = new Map()));
    mine.set(e.networkId, e);
  }

  private forgetEndpoint(containerId: string, networkId: string): void {
    this.endpoints.delete(key(containerId, networkId));
    const mine = this.byContainer.get(containerId);
    mine?.delete(networkId);
    if (mine?.size === 0) this.byContainer.delete(containerId);
  }

  allNetworks(): NetworkRecord[] {
    return [...this.networks.values()];
  }

  network(id: string): NetworkRecord | undefined {
    return this.networks.get(id);
  }

  saveNetwork(n: NetworkRecord): void {
    this.store.prepare('INSERT INTO networks (id, name, created_at, record) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, record = excluded.record')
      .run(n.Id, n.Name, Date.parse(n.Created), JSON.stringify(n));
    this.networks.set(n.Id, n);
  }

  deleteNetwork(id: string): void {
    this.store.tx(() => {
      this.store.prepare('DELETE FROM endpoints WHERE network_id = ?').run(id);
      this.store.prepare('DELETE FROM networks WHERE id = ?').run(id);
    });
    for (const e of [...this.endpoints.values()]) if (e.networkId === id) this.forgetEndpoint(e.containerId, id);
    this.networks.delete(id);
  }

  endpoint(containerId: string, networkId: string): EndpointRecord | undefined {
    return this.endpoints.get(key(containerId, networkId));
  }

  /** A container's endpoints, in the order they were made (the first is its primary network). */
  endpointsOf(containerId: string): EndpointRecord[] {
    const mine = this.byContainer.get(containerId);
    return mine ? [...mine.values()] : [];
  }

  endpointsIn(networkId: string): EndpointRecord[] {
    return [...this.endpoints.values()].filter((e) => e.networkId === networkId);
  }

  allEndpoints(): EndpointRecord[] {
    return [...this.endpoints.values()];
  }

  /** Insert or rewrite; the address column is the lease (unique per network). */
  saveEndpoint(e: EndpointRecord): void {
    this.store.prepare('INSERT INTO endpoints (container_id, network_id, address, record) VALUES (?, ?, ?, ?) ON CONFLICT(container_id, network_id) DO UPDATE SET address = excluded.address, record = excluded.record')
      .run(e.containerId, e.networkId, e.live?.address ?? null, JSON.stringify(e));
    this.remember(e);
  }

  deleteEndpoint(containerId: string, networkId: string): void {
    this.store.prepare('DELETE FROM endpoints WHERE container_id = ? AND network_id = ?').run(containerId, networkId);
    this.forgetEndpoint(containerId, networkId);
  }
}

function key(containerId: string, networkId: string): string {
  return `${containerId}/${networkId}`;
}
