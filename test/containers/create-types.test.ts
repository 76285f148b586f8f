import { test } from 'node:test';
import { request } from 'node:http';
import assert from 'node:assert/strict';
import { daemonWithBusybox } from '../helpers/cli.js';

/**
 * Bodies with a value of the wrong JSON type are refused as Go's decoder refuses them
 * in dockerd, word for word (each message below is dockerd 20.10's for the same body),
 * with a 400 instead of dockerd's unclassified 500. Before, berth stored most of them
 * as they came (a container with `Labels: ["a"]` or `HostConfig: "x"`) or failed with
 * a JavaScript TypeError (500). Keys match fields case-insensitively, as in Go.
 */
const CASES: [object, string][] = [
  [{ Image: 5 }, 'json: cannot unmarshal number into Go struct field ContainerConfigWrapper.Image of type string'],
  [{ Image: 'busybox', Cmd: 5 }, 'json: cannot unmarshal number into Go struct field ContainerConfigWrapper.Cmd of type string'],
  [{ Image: 'busybox', Cmd: [5] }, 'json: cannot unmarshal array into Go struct field ContainerConfigWrapper.Cmd of type string'],
  [{ Image: 'busybox', HostConfig: 'x' }, 'json: cannot unmarshal string into Go struct field ContainerConfigWrapper.HostConfig of type container.HostConfig'],
  [{ Image: 'busybox', HostConfig: { Memory: 1.5 } }, 'json: cannot unmarshal number 1.5 into Go struct field HostConfig.HostConfig.Memory of type int64'],
  [{ Image: 'busybox', Labels: ['a'] }, 'json: cannot unmarshal array into Go struct field ContainerConfigWrapper.Labels of type map[string]string'],
  [{ Image: 'busybox', ExposedPorts: [] }, 'json: cannot unmarshal array into Go struct field ContainerConfigWrapper.ExposedPorts of type nat.PortSet'],
  [{ Image: 'busybox', User: 5, Tty: 'x' }, 'json: cannot unmarshal number into Go struct field ContainerConfigWrapper.User of type string'],
  [{ Image: 'busybox', HostConfig: { PortBindings: { '80/tcp': [{ HostPort: 80 }] } } }, 'json: cannot unmarshal number into Go struct field PortBinding.HostConfig.PortBindings.HostPort of type string'],
  [{ Image: 'busybox', NetworkingConfig: { EndpointsConfig: { x: { Aliases: 'a' } } } }, 'json: cannot unmarshal string into Go struct field EndpointSettings.NetworkingConfig.EndpointsConfig.Aliases of type []string'],
  [{ Image: 'busybox', HostConfig: { BlkioWeight: -1 } }, 'json: cannot unmarshal number -1 into Go struct field HostConfig.HostConfig.BlkioWeight of type uint16'],
  [{ Image: 'busybox', Healthcheck: { Interval: '1s' } }, 'json: cannot unmarshal string into Go struct field HealthConfig.Healthcheck.Interval of type time.Duration'],
  [{ Image: 'busybox', HostConfig: { Mounts: [{ TmpfsOptions: { Mode: 'x' } }] } }, 'json: cannot unmarshal string into Go struct field TmpfsOptions.HostConfig.Mounts.TmpfsOptions.Mode of type fs.FileMode'],
];

test('create and update refuse mistyped bodies in Go decoder words; keys match case-insensitively', { timeout: 60_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const post = (path: string, body: unknown) => postJson(d.socket, path, JSON.stringify(body));
  for (const [body, message] of CASES) {
    const r = await post('/v1.41/containers/create', body);
    assert.deepEqual([r.status, r.json.message], [400, message], JSON.stringify(body));
  }
  // Nothing was made, and the daemon serves on.
  assert.deepEqual(await d.client().listContainers({ all: true }), []);

  const made = await post('/v1.41/containers/create?name=lower', { image: 'busybox', cmd: ['true'], hostconfig: { networkmode: 'none', memory: 10_000_000 } });
  assert.equal(made.status, 201);
  const info = await d.client().getContainer('lower').inspect();
  assert.deepEqual([info.Config.Cmd, info.HostConfig.NetworkMode, info.HostConfig.Memory], [['true'], 'none', 10_000_000]);

  const upd = await post('/v1.41/containers/lower/update', { RestartPolicy: { Name: 5 } });
  assert.deepEqual([upd.status, upd.json.message], [400, 'json: cannot unmarshal number into Go struct field RestartPolicy.RestartPolicy.Name of type string']);
});

/** A POST over the daemon's unix socket, its status and parsed JSON answer. */
function postJson(socket: string, path: string, body: string): Promise<{ status: number; json: { message?: string } }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method: 'POST', path, headers: { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => { text += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) as { message?: string } : {} }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The same check on the other bodies that are stored: networks, volumes, commit (words as dockerd 20.10's). */
const OTHERS: [string, object, string][] = [
  ['/v1.41/networks/create', { Name: 'n1', Labels: ['a'] }, 'json: cannot unmarshal array into Go struct field NetworkCreateRequest.Labels of type map[string]string'],
  ['/v1.41/networks/create', { Name: 'n4', IPAM: { Config: [{ Subnet: 5 }] } }, 'json: cannot unmarshal number into Go struct field IPAMConfig.IPAM.Config.Subnet of type string'],
  ['/v1.41/networks/create', { Name: 'n3', Internal: 'yes' }, 'json: cannot unmarshal string into Go struct field NetworkCreateRequest.Internal of type bool'],
  ['/v1.41/volumes/create', { Name: 'v1', Labels: ['a'] }, 'json: cannot unmarshal array into Go struct field VolumeCreateBody.Labels of type map[string]string'],
  ['/v1.41/volumes/create', { Name: 'v2', DriverOpts: { a: 5 } }, 'json: cannot unmarshal number into Go struct field VolumeCreateBody.DriverOpts of type string'],
  ['/v1.41/commit?container=box', { Labels: ['x'] }, 'json: cannot unmarshal array into Go struct field ContainerConfigWrapper.Labels of type map[string]string'],
  ['/v1.41/networks/bridge/connect', { Container: 'box', EndpointConfig: { Aliases: 'x' } }, 'json: cannot unmarshal string into Go struct field EndpointSettings.EndpointConfig.Aliases of type []string'],
  ['/v1.41/networks/bridge/disconnect', { Container: 'box', Force: 'x' }, 'json: cannot unmarshal string into Go struct field NetworkDisconnect.Force of type bool'],
];

test('network, volume and commit bodies of the wrong types are refused before anything is stored', { timeout: 60_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const docker = d.client();
  await docker.createContainer({ name: 'box', Image: 'busybox', Cmd: ['true'], HostConfig: { NetworkMode: 'none' } });
  const networks = (await docker.listNetworks()).length;
  const images = (await docker.listImages({ all: true })).length;
  for (const [path, body, message] of OTHERS) {
    const r = await postJson(d.socket, path, JSON.stringify(body));
    assert.deepEqual([r.status, r.json.message], [400, message], `${path} ${JSON.stringify(body)}`);
  }
  // Each list still decodes in a Go client (a stored `Labels: ["a"]` broke `docker network ls`).
  assert.equal((await docker.listNetworks()).length, networks);
  assert.deepEqual((await docker.listVolumes()).Volumes ?? [], []);
  assert.equal((await docker.listImages({ all: true })).length, images);
});
