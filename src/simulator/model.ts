/**
 * The simulated state of one app/module/environment and its rendering into a
 * `processes/list/` body shaped like the real PaaS backend's (see docs/upstream-api.md).
 *
 * `buildModel` is pure: the same SimTarget always yields the same model, and `renderBody`
 * the same object for the same model, so bodies are byte-identical across runs. Only the
 * evolve timer (evolve.ts) mutates a model.
 */
import { hash32, k8sSuffix } from './prng';
import type { Scenario, SimTarget } from './types';

/** Fixed "now" of the simulated cluster: instance start times are derived from it. */
export const SIM_EPOCH_MS = Date.UTC(2024, 7, 16, 2, 7, 55);

/** Scenarios whose 200 body is rendered from a model. */
export type BodyScenario = 'healthy' | 'cnative' | 'rollout' | 'crashloop' | 'failed' | 'stopped' | 'empty' | 'old_server' | 'odd_quantities' | 'autoscaled';

export interface InstanceModel {
  name: string;
  processType: string;
  version: number;
  state: string;
  stateMessage: string | null;
  richStatus: string;
  ready: boolean;
  restartCount: number;
  /** In CrashLoopBackOff: rendered restart_count grows with the target's served-request count. */
  crashing: boolean;
  startTime: string;
  image: string;
  terminated: { exit_code: number; reason: string } | null;
  // Evolution bookkeeping (evolve tick numbers); never rendered.
  readyAt?: number;
  terminateAt?: number;
  removeAt?: number;
  recoverAt?: number;
}

export interface ProcessModel {
  type: string;
  name: string;
  version: number;
  replicas: number;
  command: string;
  clusterLink: string;
  // Evolution bookkeeping; never rendered.
  retireAt?: number;
  removeAt?: number;
}

/** CPU and memory quantities as the platform sends them (Kubernetes strings, possibly odd). */
export interface QuantitiesModel {
  cpu?: string;
  memory?: string;
}

export interface PackageModel {
  name: string;
  targetReplicas: number;
  targetStatus: 'start' | 'stop';
  maxReplicas: number;
  // Fields current servers add; null = not rendered (an older server).
  planName: string | null;
  limit: QuantitiesModel | null;
  requests: QuantitiesModel | null;
  /** resource_limit_quota: cpu millicores, memory MiB. */
  quota: { cpu: number; memory: number } | null;
  autoscaling: boolean | null;
  /** scaling_config; null when autoscaling is off. */
  scaling: { min: number; max: number } | null;
}

export interface TargetModel {
  appCode: string;
  moduleName: string;
  environment: string;
  scenario: BodyScenario;
  cnative: boolean;
  /** An older server: no terminated_info and none of the packages' newer fields. */
  oldServer: boolean;
  /** Latest release version. */
  version: number;
  types: string[];
  processes: ProcessModel[];
  instances: InstanceModel[];
  packages: PackageModel[];
  rvProc: number;
  rvInst: number;
}

/** The model scenario behind a target scenario; undefined for faults without a JSON 200 body. */
export function bodyScenarioOf(s: Scenario): BodyScenario | undefined {
  switch (s) {
    case 'healthy':
    case 'cnative':
    case 'rollout':
    case 'crashloop':
    case 'failed':
    case 'stopped':
    case 'empty':
    case 'old_server':
    case 'odd_quantities':
    case 'autoscaled':
      return s;
    case 'slow':
    case 'trickle':
    case 'reset':
    case 'flaky':
    case 'bad_gzip':
    case 'huge_header':
      return 'healthy';
    default:
      return undefined;
  }
}

/**
 * A scenario other than the ten 200 bodies: the simulator's fault injection (faults.ts) answers
 * it, the server alone cannot.
 */
export function isFaultScenario(s: Scenario): boolean {
  return bodyScenarioOf(s) !== s;
}

/** "app/module/env", the key of a target everywhere in the simulator. */
export function targetKeyOf(app: string, module: string, env: string): string {
  return `${app}/${module}/${env}`;
}

/** Kubernetes Deployment name of a process, as the PaaS names it. */
export function deploymentName(app: string, module: string, type: string): string {
  return module === 'default' ? `${app}--${type}` : `${app}-m-${module}--${type}`;
}

/** "2024-08-16T02:07:55Z": ISO time to the second, as the API sends it. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function imageFor(app: string, module: string, version: number): string {
  return `registry.example.com/bkapps/${app}/${module}:1.${Math.floor(version / 10)}.${version % 10}`;
}

export function commandFor(type: string): string {
  switch (type) {
    case 'web':
      return (
        'gunicorn wsgi -w 4 -b [::]:${PORT:-5000} --access-logfile - --error-logfile - ' +
        `--access-logformat '[%(h)s] %({request_id}i)s %(u)s %(t)s "%(r)s" %(s)s %(D)s %(b)s'`
      );
    case 'worker':
      return 'celery -A blueapps.core.celery worker -l info -c 4';
    case 'beat':
      return 'celery -A blueapps.core.celery beat -l info';
    default:
      return `python manage.py run_${type.replace(/[^a-z0-9]/gi, '_')}`;
  }
}

/** Limits per replica: cpu in millicores ("4000m"), memory in MiB ("2048Mi"), as the platform's plans give. */
function limitsFor(type: string): { cpu: string; memory: string } {
  if (type === 'web') return { cpu: '4000m', memory: '2048Mi' };
  if (type === 'worker') return { cpu: '2000m', memory: '1024Mi' };
  return { cpu: '1000m', memory: '512Mi' };
}

/**
 * The `odd_quantities` scenario's resources, by type index (cycling): every quantity form
 * Kubernetes accepts, one it refuses ("bogus"), and a type with only resource_limit_quota.
 */
export const ODD_QUANTITIES: ReadonlyArray<Pick<PackageModel, 'limit' | 'requests' | 'quota'>> = [
  { limit: { cpu: '1.5', memory: '1Gi' }, requests: { cpu: '500m', memory: '512M' }, quota: null },
  { limit: { cpu: 'bogus', memory: '1e3' }, requests: { cpu: '2.5e-1', memory: '1073741824' }, quota: null },
  { limit: null, requests: null, quota: { cpu: 1500, memory: 768 } },
];

/** The `autoscaled` scenario's range for its first type: held at the maximum. */
export const AUTOSCALED_RANGE = { min: 1, max: 4 } as const;

/** The package of `type` in `scenario` with `n` target replicas. */
function packageFor(type: string, typeIndex: number, scenario: BodyScenario, n: number): PackageModel {
  const lim = limitsFor(type);
  const pkg: PackageModel = {
    name: type,
    targetReplicas: n,
    targetStatus: scenario === 'stopped' ? 'stop' : 'start',
    maxReplicas: Math.max(5, n * 2),
    planName: type === 'web' ? 'default' : 'small',
    limit: lim,
    requests: { cpu: '200m', memory: '256Mi' },
    quota: { cpu: parseInt(lim.cpu, 10), memory: parseInt(lim.memory, 10) },
    autoscaling: false,
    scaling: null,
  };
  if (scenario === 'old_server') return { ...pkg, planName: null, limit: null, requests: null, quota: null, autoscaling: null };
  if (scenario === 'odd_quantities') return { ...pkg, ...ODD_QUANTITIES[typeIndex % ODD_QUANTITIES.length] };
  if (scenario === 'autoscaled' && typeIndex === 0) {
    return { ...pkg, targetReplicas: AUTOSCALED_RANGE.max, maxReplicas: AUTOSCALED_RANGE.max, autoscaling: true, scaling: { ...AUTOSCALED_RANGE } };
  }
  if (scenario === 'cnative' && type === 'web') return { ...pkg, autoscaling: true, scaling: { min: Math.max(1, n), max: pkg.maxReplicas } };
  return pkg;
}

export function clusterLinkFor(m: { appCode: string; moduleName: string; environment: string }, type: string): string {
  return `http://${deploymentName(m.appCode, m.moduleName, type)}.bkapp-${m.appCode}-${m.environment}`;
}

/** Stable default release version of a target: 100..249. */
export function defaultVersion(key: string): number {
  return 100 + (hash32(`version|${key}`) % 150);
}

/**
 * A new instance (Pod) of a process. `podSeed` distinguishes pods of one ReplicaSet; the
 * ReplicaSet hash depends on the release version, as the pod-template-hash does.
 */
export function newInstance(
  m: Pick<TargetModel, 'appCode' | 'moduleName' | 'environment'>,
  type: string,
  version: number,
  podSeed: string,
  startMs: number,
): InstanceModel {
  const deploy = deploymentName(m.appCode, m.moduleName, type);
  const rs = k8sSuffix(`rs|${deploy}|${m.environment}|${version}`, 10);
  const suffix = k8sSuffix(`pod|${deploy}|${m.environment}|${version}|${podSeed}`, 5);
  return {
    name: `${deploy}-${rs}-${suffix}`,
    processType: type,
    version,
    state: 'Running',
    stateMessage: null,
    richStatus: 'Running',
    ready: true,
    restartCount: 0,
    crashing: false,
    startTime: isoSeconds(startMs),
    image: imageFor(m.appCode, m.moduleName, version),
    terminated: null,
  };
}

function deterministicStart(seed: string, extraAgeDays: number): number {
  // Up to 6 days before the epoch, whole seconds; older releases started longer ago.
  const ageSeconds = (hash32(`start|${seed}`) % (6 * 86400)) + extraAgeDays * 86400;
  return SIM_EPOCH_MS - ageSeconds * 1000;
}

/** Builds the deterministic initial model of a target in a body scenario. */
export function buildModel(t: SimTarget, scenario: BodyScenario): TargetModel {
  const key = targetKeyOf(t.app_code, t.module_name, t.environment);
  const types = t.processTypes ?? ['web', 'worker'];
  const n = Math.max(0, Math.floor(t.instancesPerType ?? 2));
  const version = t.version ?? defaultVersion(key);
  const rv = 190000000 + (hash32(`rv|${key}`) % 9000000);
  const m: TargetModel = {
    appCode: t.app_code,
    moduleName: t.module_name,
    environment: t.environment,
    scenario,
    cnative: scenario === 'cnative' || scenario === 'autoscaled',
    oldServer: scenario === 'old_server',
    version,
    types: scenario === 'empty' ? [] : [...types],
    processes: [],
    instances: [],
    packages: [],
    rvProc: rv,
    rvInst: rv + 1 + (hash32(`rvi|${key}`) % 500),
  };
  if (scenario === 'empty') return m;

  types.forEach((type, typeIndex) => m.packages.push(packageFor(type, typeIndex, scenario, n)));
  if (scenario === 'stopped') return m;

  types.forEach((type, typeIndex) => {
    const first = typeIndex === 0;
    // The autoscaled type runs as many replicas as its package wants (the range's maximum).
    const replicas = m.packages[typeIndex].targetReplicas;
    const proc = (v: number, replicas: number): ProcessModel => ({
      type,
      name: deploymentName(t.app_code, t.module_name, type),
      version: v,
      replicas,
      command: commandFor(type),
      clusterLink: clusterLinkFor(m, type),
    });
    const inst = (v: number, i: number, extraAgeDays = 0): InstanceModel => {
      const x = newInstance(m, type, v, String(i), 0);
      x.startTime = isoSeconds(deterministicStart(x.name, extraAgeDays));
      return x;
    };

    if (first && scenario === 'rollout') {
      // Old release still serving while the new one comes up: old item listed first on purpose.
      const oldCount = Math.max(1, Math.ceil(n / 2));
      m.processes.push(proc(version - 1, oldCount));
      for (let i = 0; i < oldCount; i++) m.instances.push(inst(version - 1, i, 7));
      m.processes.push(proc(version, n));
      for (let i = 0; i < n; i++) {
        const x = inst(version, i);
        if (i === n - 1) {
          x.state = 'Starting';
          x.richStatus = 'Starting';
          x.ready = false;
          x.startTime = isoSeconds(SIM_EPOCH_MS - 40_000);
        }
        m.instances.push(x);
      }
      return;
    }

    m.processes.push(proc(version, replicas));
    const bad = first && (scenario === 'crashloop' || scenario === 'failed') ? Math.min(n, Math.max(1, Math.floor(n / 2))) : 0;
    for (let i = 0; i < replicas; i++) {
      const x = inst(version, i);
      if (i < bad && scenario === 'crashloop') {
        x.crashing = true;
        x.ready = false;
        x.richStatus = 'CrashLoopBackOff';
        x.stateMessage = 'back-off 5m0s restarting failed container';
        x.restartCount = 3 + 2 * i;
        // Killed for memory, restarted, killed again: the pattern the OOM alert is for.
        x.terminated = i % 2 === 0 ? { exit_code: 137, reason: 'OOMKilled' } : { exit_code: 1, reason: 'Error' };
      } else if (i < bad && scenario === 'failed') {
        x.state = 'Failed';
        x.richStatus = 'Failed';
        x.ready = false;
        x.stateMessage = 'OOMKilled: container exceeded its memory limit';
        x.restartCount = 1 + i;
        x.terminated = { exit_code: 137, reason: 'OOMKilled' };
      }
      m.instances.push(x);
    }
  });
  return m;
}

function isFailedInstance(i: InstanceModel): boolean {
  return i.state === 'Failed' || i.crashing;
}

/**
 * The `processes/list/` body of a model. `restartGrowth` is added to the restart_count of
 * crash-looping instances; `onlyLatest` keeps only the highest-version process items per type.
 */
export function renderBody(m: TargetModel, onlyLatest: boolean, restartGrowth: number, everyInstanceGrows = false): Record<string, unknown> {
  let processes = m.processes;
  if (onlyLatest) {
    const latest = new Map<string, number>();
    for (const p of processes) latest.set(p.type, Math.max(latest.get(p.type) ?? -Infinity, p.version));
    processes = processes.filter((p) => p.version === latest.get(p.type));
  }
  const processItems = processes.map((p) => {
    let success = 0;
    let failed = 0;
    for (const i of m.instances) {
      if (i.processType !== p.type || i.version !== p.version) continue;
      if (isFailedInstance(i)) failed++;
      else if (i.ready && i.state === 'Running') success++;
    }
    return {
      module_name: m.moduleName,
      name: p.name,
      type: p.type,
      command: p.command,
      replicas: p.replicas,
      success,
      failed,
      version: p.version,
      cluster_link: p.clusterLink,
      available_instance_count: success,
    };
  });
  const instanceItems = m.instances.map((i) => {
    const item: Record<string, unknown> = {
      module_name: m.moduleName,
      name: i.name,
      process_type: i.processType,
      display_name: i.name.slice(-5),
      image: i.image,
      start_time: i.startTime,
      state: i.state,
      state_message: i.stateMessage,
      rich_status: i.richStatus,
      ready: i.ready,
      restart_count: i.restartCount + (i.crashing || everyInstanceGrows ? restartGrowth : 0),
    };
    // Cloud-native servers send {} for a container that never terminated; others leave it out.
    if (i.terminated && !m.oldServer) item.terminated_info = i.terminated;
    else if (m.cnative) item.terminated_info = {};
    item.version = String(i.version);
    return item;
  });
  const specs = m.packages.map((p) => renderSpec(p, m.cnative));
  const body: Record<string, unknown> = {
    processes: {
      items: processItems,
      extra_infos: m.types.map((type) => ({ type, command: commandFor(type), cluster_link: clusterLinkFor(m, type) })),
      metadata: { resource_version: String(m.rvProc) },
    },
    instances: {
      items: instanceItems,
      metadata: { resource_version: String(m.rvInst) },
    },
  };
  if (m.cnative) body.cnative_proc_specs = specs;
  else body.process_packages = specs;
  return body;
}

/** A package as process_packages / cnative_proc_specs list it; fields an older server lacks are left out. */
function renderSpec(p: PackageModel, cnative: boolean): Record<string, unknown> {
  const spec: Record<string, unknown> = {
    name: p.name,
    target_replicas: p.targetReplicas,
    target_status: p.targetStatus,
    max_replicas: p.maxReplicas,
  };
  if (p.limit) spec.resource_limit = { ...p.limit };
  if (p.quota) spec.resource_limit_quota = { ...p.quota };
  if (p.planName !== null) spec.plan_name = p.planName;
  if (p.autoscaling !== null) {
    spec.autoscaling = p.autoscaling;
    spec.scaling_config = p.scaling
      ? { min_replicas: p.scaling.min, max_replicas: p.scaling.max, metrics: [{ type: 'Resource', metric: 'cpuUtilization', value: '85' }], policy: 'default' }
      : null;
  }
  if (p.requests) spec.resource_requests = { ...p.requests };
  if (cnative && p.limit) {
    spec.cpu_limit = p.limit.cpu;
    spec.memory_limit = p.limit.memory;
    spec.proc_command = commandFor(p.name);
  }
  return spec;
}

/** Whether the rendered body depends on the request counter (so it must not be cached). */
export function hasGrowingRestarts(m: TargetModel): boolean {
  return m.instances.some((i) => i.crashing);
}
