/** Shared helpers of the simulator tests: authenticated requests and the body shapes. */
import http from 'node:http';
import { DEMO_ACCESS_TOKEN, DEMO_CREDENTIALS, type Simulator } from '../../src/simulator';

export const AUTH_HEADER = JSON.stringify({ ...DEMO_CREDENTIALS, access_token: DEMO_ACCESS_TOKEN });

export interface ProcessItem {
  module_name: string;
  name: string;
  type: string;
  command: string;
  replicas: number;
  success: number;
  failed: number;
  version: number;
  cluster_link: string;
  [extra: string]: unknown;
}

export interface InstanceItem {
  module_name: string;
  name: string;
  process_type: string;
  display_name: string;
  image: string;
  start_time: string;
  state: string;
  state_message: string | null;
  rich_status: string;
  ready: boolean;
  restart_count: number;
  version: string;
  [extra: string]: unknown;
}

export interface PackageItem {
  name: string;
  target_replicas: number;
  target_status: string;
  max_replicas: number;
  resource_limit: { cpu: string; memory: string };
  [extra: string]: unknown;
}

export interface ProcessListBody {
  processes: { items: ProcessItem[]; extra_infos: { type: string; command: string; cluster_link: string }[]; metadata: { resource_version: string } };
  instances: { items: InstanceItem[]; metadata: { resource_version: string } };
  process_packages?: PackageItem[];
  cnative_proc_specs?: PackageItem[];
}

export function processesPath(app: string, module: string, env: string, query = ''): string {
  return `/bkapps/applications/${app}/modules/${module}/envs/${env}/processes/list/${query}`;
}

/** GET baseUrl + path with the demo credentials (or `auth`: null for none, a string for a raw header). */
export function get(sim: Simulator, path: string, init: { auth?: string | null; headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Response> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  const auth = init.auth === undefined ? AUTH_HEADER : init.auth;
  if (auth !== null) headers['X-Bkapi-Authorization'] = auth;
  return fetch(sim.baseUrl + path, { headers, redirect: 'manual', signal: init.signal });
}

export async function getProcesses(sim: Simulator, app: string, module: string, env: string, query = ''): Promise<ProcessListBody> {
  const res = await get(sim, processesPath(app, module, env, query));
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return (await res.json()) as ProcessListBody;
}

/** A raw node:http GET that resolves with the response as soon as headers arrive. */
export function rawGet(url: string, headers: Record<string, string> = { 'X-Bkapi-Authorization': AUTH_HEADER }): Promise<{ req: http.ClientRequest; res: http.IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent: false }, (res) => resolve({ req, res }));
    req.on('error', reject);
  });
}


/**
 * The body with its list resource versions blanked: they are the simulated cluster's revision,
 * which advances with every answer (src/simulator/clusterRevision.ts).
 */
export function withoutRevision<T>(body: T): T {
  const copy = JSON.parse(JSON.stringify(body)) as { processes?: { metadata?: { resource_version?: string } }; instances?: { metadata?: { resource_version?: string } } };
  for (const part of [copy.processes, copy.instances]) if (part?.metadata?.resource_version !== undefined) part.metadata.resource_version = '*';
  return copy as T;
}
