/**
 * Checks an app_desc.yaml (specVersion 3) against the rules BlueKing PaaS applies, as read in the
 * platform's public sources (TencentBlueKing/blueking-paas):
 * - apiserver/paasng/paasng/platform/declarative/application/validations/v3.py (app, modules)
 * - apiserver/paasng/paasng/platform/bkapp_model/serializers/v1alpha2.py (BkAppSpecInputSLZ:
 *   processes, services, probes, env, observability, and its cross-checks)
 * - apiserver/paasng/paasng/platform/bkapp_model/constants.py (PORT_PLACEHOLDER "${PORT}")
 * - apiserver/paasng/paasng/utils/validators.py (PROC_TYPE_PATTERN, max 12; RE_CONFIG_VAR_KEY)
 * - apiserver/paasng/paasng/settings (CONFIGVAR_PROTECTED_NAMES / _PREFIXES: BKPAAS_, KUBERNETES_)
 * - apiserver/paasng/paasng/platform/applications/serializers (AppIDSMartField, AppNameField)
 * - smart-app-builder/pkg/appdesc/v3/v3.go (appVersion must be a semantic version)
 * The platform's serializers ignore unknown keys; this check reports them, since a misspelt key
 * would be dropped without a word.
 */

/** A problem, prefixed with the YAML path it concerns. */
export type Problem = string;

/** The placeholder the platform replaces by its container port (settings.CONTAINER_PORT, 5000). */
export const PORT_PLACEHOLDER = '${PORT}';

const PROC_NAME = /^[a-z0-9]([-a-z0-9]){0,11}$/;
const MODULE_NAME = /^[a-z0-9_-]{1,16}$/;
const SMART_APP_CODE = /^(?![0-9]+.*$)(?!-)[a-zA-Z0-9_-]{3,20}(?<!-)$/;
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
const PROTECTED_ENV_NAMES = ['SLUG_URL', 'HOME', 'S3CMD_CONF', 'HOSTNAME'];
const PROTECTED_ENV_PREFIXES = ['BKPAAS_', 'KUBERNETES_'];
const LANGUAGES = ['python', 'php', 'go', 'nodejs', 'java'];
const SAFE_PATH = /^[a-zA-Z0-9_\-./]+$/;
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** The keys each mapping may hold (the serializers' fields). */
const KEYS: Record<string, string[]> = {
  root: ['specVersion', 'appVersion', 'app', 'modules'],
  app: ['region', 'bkAppCode', 'bkAppName', 'bkAppNameEn', 'market'],
  market: ['category', 'introduction', 'introductionEn', 'description', 'descriptionEn', 'displayOptions', 'logoB64data'],
  module: ['name', 'language', 'sourceDir', 'isDefault', 'spec'],
  spec: ['build', 'processes', 'configuration', 'addons', 'mounts', 'hooks', 'envOverlay', 'svcDiscovery', 'domainResolution', 'observability'],
  process: ['name', 'replicas', 'resQuotaPlan', 'targetPort', 'command', 'args', 'procCommand', 'autoscaling', 'probes', 'services'],
  service: ['name', 'targetPort', 'protocol', 'exposedType', 'port'],
  probes: ['liveness', 'readiness', 'startup'],
  probe: ['exec', 'httpGet', 'tcpSocket', 'initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'],
  httpGet: ['port', 'path', 'host', 'httpHeaders', 'scheme'],
  configuration: ['env'],
  env: ['name', 'value'],
  observability: ['monitoring'],
  monitoring: ['metrics'],
  metric: ['process', 'serviceName', 'path', 'params'],
};

type YamlMap = Record<string, unknown>;
const isMap = (v: unknown): v is YamlMap => v !== null && typeof v === 'object' && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Port fields: an integer 1..65535, or exactly "${PORT}". */
function portProblem(v: unknown): string | undefined {
  if (v === PORT_PLACEHOLDER) return undefined;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535) return undefined;
  return `must be 1..65535 or "${PORT_PLACEHOLDER}", got ${JSON.stringify(v)}`;
}

/** Returns every problem of `desc` (the parsed YAML); [] when the platform would accept it. */
export function appDescProblems(desc: unknown): Problem[] {
  const out: Problem[] = [];
  const keys = (where: string, kind: string, v: unknown) => {
    if (!isMap(v)) return out.push(`${where}: must be a mapping`), false;
    for (const k of Object.keys(v)) if (!KEYS[kind].includes(k)) out.push(`${where}.${k}: unknown key`);
    return true;
  };
  if (!keys('(root)', 'root', desc)) return out;
  const d = desc as YamlMap;
  if (d.specVersion !== 3) out.push(`specVersion: must be 3, got ${JSON.stringify(d.specVersion)}`);
  if (typeof d.appVersion !== 'string' || !SEMVER.test(d.appVersion)) out.push(`appVersion: must be a semantic version string, got ${JSON.stringify(d.appVersion)}`);

  if (keys('app', 'app', d.app)) {
    const app = d.app as YamlMap;
    if (typeof app.bkAppCode !== 'string' || !SMART_APP_CODE.test(app.bkAppCode)) out.push(`app.bkAppCode: 3-20 letters, digits, "-", "_", not all digits, no "-" at either end; got ${JSON.stringify(app.bkAppCode)}`);
    for (const k of ['bkAppName', 'bkAppNameEn']) {
      if (k === 'bkAppNameEn' && app[k] === undefined) continue;
      // The platform keeps only CJK, word characters, "-" and "_", then allows 20 characters.
      const kept = typeof app[k] === 'string' ? (app[k] as string).replace(/[^\u4e00-\u9fa5\w-]/g, '') : '';
      if (kept === '' || kept.length > 20) out.push(`app.${k}: 1-20 characters (CJK, letters, digits, "-", "_"), got ${JSON.stringify(app[k])}`);
    }
    if (app.market !== undefined && keys('app.market', 'market', app.market)) {
      if (typeof (app.market as YamlMap).introduction !== 'string') out.push('app.market.introduction: required');
    }
  }

  const modules = list(d.modules);
  if (modules.length === 0) out.push('modules: at least one module');
  const defaults = modules.filter((m) => isMap(m) && m.isDefault === true).length;
  if (defaults !== 1) out.push(`modules: exactly one module with isDefault: true, got ${defaults}`);
  const exposed = new Set<string>();
  modules.forEach((m, i) => {
    const at = `modules[${i}]`;
    if (!keys(at, 'module', m)) return;
    const mod = m as YamlMap;
    if (typeof mod.name !== 'string' || !MODULE_NAME.test(mod.name)) out.push(`${at}.name: ${MODULE_NAME}, got ${JSON.stringify(mod.name)}`);
    if (typeof mod.language !== 'string' || !LANGUAGES.includes(mod.language.toLowerCase())) out.push(`${at}.language: one of Python, PHP, Go, NodeJS, Java; got ${JSON.stringify(mod.language)}`);
    if (mod.sourceDir !== undefined && mod.sourceDir !== '') {
      const s = mod.sourceDir;
      if (typeof s !== 'string' || !SAFE_PATH.test(s) || s.includes('..') || s.startsWith('/')) out.push(`${at}.sourceDir: a relative path inside the package, got ${JSON.stringify(s)}`);
    }
    if (keys(`${at}.spec`, 'spec', mod.spec)) specProblems(`${at}.spec`, mod.spec as YamlMap, keys, exposed, out);
  });
  return out;
}

function specProblems(at: string, spec: YamlMap, keys: (where: string, kind: string, v: unknown) => boolean, exposed: Set<string>, out: Problem[]): void {
  const processes = list(spec.processes);
  if (processes.length === 0) out.push(`${at}.processes: at least one process`);
  const services = new Map<string, string[]>();
  processes.forEach((p, j) => {
    const pat = `${at}.processes[${j}]`;
    if (!keys(pat, 'process', p)) return;
    const proc = p as YamlMap;
    const name = typeof proc.name === 'string' ? proc.name : '';
    if (!PROC_NAME.test(name)) out.push(`${pat}.name: ${PROC_NAME} (at most 12 characters), got ${JSON.stringify(proc.name)}`);
    if (proc.replicas !== undefined && proc.replicas !== null && !(Number.isInteger(proc.replicas) && (proc.replicas as number) >= 0)) out.push(`${pat}.replicas: a whole number >= 0`);
    if (proc.procCommand !== undefined && typeof proc.procCommand !== 'string') out.push(`${pat}.procCommand: a string`);
    const names: string[] = [];
    const targetPorts = new Set<unknown>();
    const ports = new Set<unknown>();
    list(proc.services).forEach((s, k) => {
      const sat = `${pat}.services[${k}]`;
      if (!keys(sat, 'service', s)) return;
      const svc = s as YamlMap;
      if (typeof svc.name !== 'string' || !PROC_NAME.test(svc.name)) out.push(`${sat}.name: ${PROC_NAME}, got ${JSON.stringify(svc.name)}`);
      else if (names.includes(svc.name)) out.push(`${sat}.name: duplicate service name ${svc.name}`);
      else names.push(svc.name);
      const tp = portProblem(svc.targetPort);
      if (tp) out.push(`${sat}.targetPort: ${tp}`);
      else if (targetPorts.has(svc.targetPort)) out.push(`${sat}.targetPort: duplicate targetPort`);
      targetPorts.add(svc.targetPort);
      if (svc.port !== undefined && svc.port !== null) {
        if (!(Number.isInteger(svc.port) && (svc.port as number) >= 1 && (svc.port as number) <= 65535)) out.push(`${sat}.port: 1..65535`);
        else if (ports.has(svc.port)) out.push(`${sat}.port: duplicate port`);
        ports.add(svc.port);
      }
      if (svc.protocol !== undefined && svc.protocol !== 'TCP' && svc.protocol !== 'UDP') out.push(`${sat}.protocol: TCP or UDP`);
      if (svc.exposedType !== undefined && svc.exposedType !== null) {
        const t = isMap(svc.exposedType) ? svc.exposedType.name ?? 'bk/http' : undefined;
        if (t !== 'bk/http') out.push(`${sat}.exposedType.name: only bk/http`);
        else if (exposed.has(t)) out.push(`${sat}.exposedType: duplicate exposedType ${t} in the module`);
        else exposed.add(t);
      }
    });
    services.set(name, names);
    if (proc.probes !== undefined && proc.probes !== null && keys(`${pat}.probes`, 'probes', proc.probes)) {
      for (const [kind, probe] of Object.entries(proc.probes as YamlMap)) {
        const prat = `${pat}.probes.${kind}`;
        if (probe === null || !keys(prat, 'probe', probe)) continue;
        const http = (probe as YamlMap).httpGet;
        if (http !== undefined && http !== null && keys(`${prat}.httpGet`, 'httpGet', http)) {
          const pp = portProblem((http as YamlMap).port);
          if (pp) out.push(`${prat}.httpGet.port: ${pp}`);
          const path = (http as YamlMap).path;
          if (typeof path !== 'string' || path.length > 128) out.push(`${prat}.httpGet.path: a string of at most 128 characters`);
        }
      }
    }
  });

  if (spec.configuration !== undefined && keys(`${at}.configuration`, 'configuration', spec.configuration)) {
    const env = (spec.configuration as YamlMap).env;
    if (!Array.isArray(env)) out.push(`${at}.configuration.env: required, a list`);
    list(env).forEach((e, k) => {
      const eat = `${at}.configuration.env[${k}]`;
      if (!keys(eat, 'env', e)) return;
      const { name, value } = e as YamlMap;
      if (typeof name !== 'string' || !ENV_NAME.test(name)) out.push(`${eat}.name: ${ENV_NAME}, got ${JSON.stringify(name)}`);
      else if (PROTECTED_ENV_NAMES.includes(name)) out.push(`${eat}.name: ${name} is reserved by the platform`);
      else {
        const prefix = PROTECTED_ENV_PREFIXES.find((p) => name.startsWith(p));
        if (prefix) out.push(`${eat}.name: the prefix ${prefix} is reserved by the platform (${name})`);
      }
      if (typeof value !== 'string') out.push(`${eat}.value: a string`);
    });
  }

  if (spec.observability !== undefined && keys(`${at}.observability`, 'observability', spec.observability)) {
    const monitoring = (spec.observability as YamlMap).monitoring;
    if (monitoring !== undefined && monitoring !== null && keys(`${at}.observability.monitoring`, 'monitoring', monitoring)) {
      list((monitoring as YamlMap).metrics).forEach((m, k) => {
        const mat = `${at}.observability.monitoring.metrics[${k}]`;
        if (!keys(mat, 'metric', m)) return;
        const metric = m as YamlMap;
        const procServices = services.get(String(metric.process));
        if (typeof metric.process !== 'string' || !procServices) out.push(`${mat}.process: ${JSON.stringify(metric.process)} is not a process of this module`);
        else if (!procServices.includes(String(metric.serviceName))) out.push(`${mat}.serviceName: ${JSON.stringify(metric.serviceName)} is not a service of process ${metric.process}`);
        if (metric.path !== undefined && typeof metric.path !== 'string') out.push(`${mat}.path: a string`);
      });
    }
  }
}
