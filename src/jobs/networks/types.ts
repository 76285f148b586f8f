import type { Filters } from '../../server/query.js';
import type { EndpointSettingsBody } from '../../network/configure.js';
import type { NetworkCreateBody } from '../../network/create.js';

export type { NetworkCreateBody, EndpointSettingsBody };

/** NetworkResource of the API, as network/view.ts builds it. */
export type NetworkResource = Record<string, unknown>;

declare module '../../engine/job-table.js' {
  interface JobTable {
    network_create: { args: { body: NetworkCreateBody }; result: { Id: string; Warning: string } };
    network_list: { args: { filters: Filters }; result: NetworkResource[] };
    network_inspect: { args: { name: string; verbose: boolean; scope: string }; result: NetworkResource };
    network_delete: { args: { name: string }; result: void };
    network_connect: { args: { name: string; container: string; endpoint: EndpointSettingsBody | null }; result: void };
    network_disconnect: { args: { name: string; container: string; force: boolean }; result: void };
    network_prune: { args: { filters: Filters }; result: { NetworksDeleted: string[] | null } };
  }
}
