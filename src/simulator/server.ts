/**
 * The simulator's HTTP server: routing, gateway authentication, latency, the request log, and
 * the per-target state (models and pre-rendered bodies). Built on node:http directly so hangs,
 * trickles and huge streams are under our control. It serves the body scenarios itself; the
 * other scenarios need the fault injection (faults.ts), which `opts.faults` installs: `--demo`
 * starts the server without it, so the demo never loads that code.
 */
import { AUTH_HEADER, IDENTITY_KEYS } from '../authFields';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { atRevision } from './clusterRevision';
import { evolveModel } from './evolve';
import type { FaultHost, FaultInjection, FaultRequest } from './faultHook';
import { DEMO_CREDENTIALS, demoFleet } from './fleet';
import {
  bodyScenarioOf,
  buildModel,
  hasGrowingRestarts,
  isFaultScenario,
  isoSeconds,
  renderBody,
  SIM_EPOCH_MS,
  targetKeyOf,
  type TargetModel,
} from './model';
import { hash32, seededRandom, uuidFrom } from './prng';
import { jsonReply, REPLIES, type Reply } from './replies';
import { RequestLog } from './requestLog';
import type { Scenario, SimApp, SimRequest, SimTarget, Simulator, SimulatorOptions } from './types';

const DEFAULT_BASE_PATH = '/api/bkpaas3/prod';
// What Django REST framework's BooleanField accepts.
const TRUE_VALUES = new Set(['true', 'True', 'TRUE', '1', 'yes', 'on']);
const FALSE_VALUES = new Set(['false', 'False', 'FALSE', '0', 'no', 'off']);

/**
 * Not part of the BlueKing API (outside any base path, no auth, not logged): processes/list/
 * request counts, total and per target key, as JSON, for `npm run bench`.
 */
export const STATS_PATH = '/__sim/stats';
/** POST with `?on=true` or `?on=false`: Simulator.changeEveryAnswer for a simulator in another process. */
export const CHANGE_EVERY_ANSWER_PATH = '/__sim/change-every-answer';

const RE_PROCESSES = /^\/bkapps\/applications\/([^/]+)\/modules\/([^/]+)\/envs\/([^/]+)\/processes\/list\/$/;
const RE_MINIMAL = /^\/bkapps\/applications\/lists\/minimal\/?$/;
const RE_MODULES = /^\/bkapps\/applications\/([^/]+)\/modules\/$/;

type Route =
  | { kind: 'processes'; app: string; module: string; env: string; key: string }
  | { kind: 'modules'; app: string }
  | { kind: 'minimal' }
  | { kind: 'none' };

interface Entry {
  target: SimTarget;
  key: string;
  model?: TargetModel;
  /** 200 bodies served from the model: drives crashloop's growing restart counts. */
  served: number;
  /** flaky: requests answered with a failure so far. */
  failures: { count: number };
  full?: Buffer;
  latest?: Buffer;
  verbatim?: Buffer;
}

type AuthResult = { kind: 'missing' } | { kind: 'unparsable' } | { kind: 'ok'; value: Record<string, unknown> };

function parseAuth(header: string | string[] | undefined): AuthResult {
  if (header === undefined || header === '') return { kind: 'missing' };
  const raw = Array.isArray(header) ? header[0] : header;
  try {
    const v: unknown = JSON.parse(raw);
    if (v && typeof v === 'object' && !Array.isArray(v)) return { kind: 'ok', value: v as Record<string, unknown> };
  } catch {
    // falls through: unparsable
  }
  return { kind: 'unparsable' };
}

function decodeSegment(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

function titleOf(code: string): string {
  return code
    .split(/[-_]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join(' ');
}

function copyTarget(t: SimTarget): SimTarget {
  return { ...t, processTypes: t.processTypes ? [...t.processTypes] : undefined };
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

class SimulatorServer implements Simulator, FaultHost {
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly faults?: FaultInjection;
  private evolveTimer?: NodeJS.Timeout;
  private readonly entries = new Map<string, Entry>();
  /** The simulated cluster's revision: advances with every process list answer (clusterRevision.ts). */
  private revision = 0;
  /** changeEveryAnswer(true): restart counts grow with every answer. */
  private changingAnswers = false;
  private readonly log: RequestLog;
  private readonly basePath: string;
  private readonly host: string;
  private readonly latencyMs: number;
  private readonly credentials: { bk_app_code: string; bk_app_secret: string };
  private readonly pageSize: number;
  private readonly fixedApps?: SimApp[];
  private readonly appFaults = new Map<string, Scenario>();
  private appListFault?: Scenario;
  private derivedApps?: SimApp[];
  private tick = 0;
  private readonly random = seededRandom(0x5eed);
  private requestSeq = 0;
  private closing?: Promise<void>;
  private listenPort = 0;

  constructor(private readonly opts: SimulatorOptions) {
    this.basePath = (opts.basePath ?? DEFAULT_BASE_PATH).replace(/\/+$/, '');
    this.host = opts.host ?? '127.0.0.1';
    this.latencyMs = Math.max(0, opts.latencyMs ?? 0);
    this.credentials = opts.credentials ?? { ...DEMO_CREDENTIALS };
    this.pageSize = Math.max(1, Math.floor(opts.pageSize ?? 100));
    this.fixedApps = opts.apps?.map((a) => ({ ...a, modules: [...a.modules] }));
    this.faults = opts.faults?.(this);
    for (const a of this.fixedApps ?? []) if (a.modulesFault && isFaultScenario(a.modulesFault)) this.faultsFor(a.modulesFault, `app ${a.code}'s modules`);
    this.log = new RequestLog(opts.maxLoggedRequests ?? 100_000);
    for (const t of opts.targets ?? demoFleet()) this.setTarget(t);

    this.server = http.createServer((req, res) => this.onRequest(req, res));
    // Like the gateway's nginx: keep idle keep-alive connections for a minute.
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 66_000;
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      // A deep accept queue: a benchmark may open thousands of connections at once.
      this.server.listen({ port: this.opts.port ?? 0, host: this.host, backlog: 4096 }, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const addr = this.server.address();
    this.listenPort = typeof addr === 'object' && addr ? addr.port : (this.opts.port ?? 0);
    if (this.opts.evolve) {
      this.evolveTimer = setInterval(() => this.evolveNow(), Math.max(10, this.opts.evolveIntervalMs ?? 20_000));
      this.evolveTimer.unref();
    }
  }

  get port(): number {
    return this.listenPort;
  }

  get origin(): string {
    return `http://${hostForUrl(this.host)}:${this.listenPort}`;
  }

  get baseUrl(): string {
    return this.origin + this.basePath;
  }

  get requests(): SimRequest[] {
    return this.log.entries();
  }

  countRequests(targetKey?: string): number {
    return this.log.count(targetKey);
  }

  clearRequests(): void {
    this.log.clear();
  }

  setTarget(target: SimTarget): void {
    const key = targetKeyOf(target.app_code, target.module_name, target.environment);
    if (target.body === undefined && isFaultScenario(target.scenario)) this.faultsFor(target.scenario, key);
    this.entries.set(key, { target: copyTarget(target), key, served: 0, failures: { count: 0 } });
    this.derivedApps = undefined;
  }

  setScenario(app_code: string, module_name: string, environment: string, scenario: Scenario): void {
    const existing = this.entries.get(targetKeyOf(app_code, module_name, environment));
    this.setTarget(existing ? { ...existing.target, scenario } : { app_code, module_name, environment, scenario });
  }

  removeTarget(app_code: string, module_name: string, environment: string): void {
    if (this.entries.delete(targetKeyOf(app_code, module_name, environment))) this.derivedApps = undefined;
  }

  targets(): SimTarget[] {
    return [...this.entries.values()].map((e) => copyTarget(e.target));
  }

  bodyFor(app_code: string, module_name: string, environment: string): unknown {
    const e = this.entries.get(targetKeyOf(app_code, module_name, environment));
    if (!e) return undefined;
    if (e.target.body !== undefined) return JSON.parse(this.verbatimOf(e).toString());
    const healthy = () => this.bodyBuffer(e, false, false);
    const body = isFaultScenario(e.target.scenario) ? this.faultsFor(e.target.scenario, e.key).bodyOf(e.target, healthy) : healthy();
    return body && JSON.parse(body.toString());
  }

  setAppFault(app_code: string, fault: Scenario | undefined): void {
    if (fault === undefined) {
      this.appFaults.delete(app_code);
      return;
    }
    if (isFaultScenario(fault)) this.faultsFor(fault, `app ${app_code}'s modules`);
    this.appFaults.set(app_code, fault);
  }

  setAppListFault(fault: Scenario | undefined): void {
    if (fault !== undefined && isFaultScenario(fault)) this.faultsFor(fault, 'the app list');
    this.appListFault = fault;
  }

  evolveNow(): void {
    this.tick++;
    const now = Date.now();
    for (const e of this.entries.values()) {
      if (e.target.body !== undefined) continue;
      const m = this.modelOf(e);
      if (m && evolveModel(m, this.tick, now, this.random)) {
        e.full = undefined;
        e.latest = undefined;
      }
    }
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    if (this.evolveTimer) clearInterval(this.evolveTimer);
    this.faults?.close();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.closing = new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
    return this.closing;
  }

  // ---- state -------------------------------------------------------------------------------

  /** The fault injection, to answer the fault scenario `scenario` (of `what`) with; throws when none is installed. */
  private faultsFor(scenario: Scenario, what: string): FaultInjection {
    if (this.faults) return this.faults;
    throw new Error(
      `simulator: scenario "${scenario}" (${what}) needs the fault injection, which this simulator was started without: start it with startSimulator from src/simulator (or its CLI)`,
    );
  }

  private modelOf(e: Entry): TargetModel | undefined {
    if (e.model) return e.model;
    const scenario = bodyScenarioOf(e.target.scenario);
    if (!scenario) return undefined;
    e.model = buildModel(e.target, scenario);
    return e.model;
  }

  private verbatimOf(e: Entry): Buffer {
    e.verbatim ??= Buffer.from(JSON.stringify(e.target.body));
    return e.verbatim;
  }

  /** The serialised 200 body of a body-scenario target; cached unless restarts grow per request. */
  private bodyBuffer(e: Entry, onlyLatest: boolean, serving: boolean): Buffer {
    const m = this.modelOf(e);
    if (!m) throw new Error(`target ${e.key} has no body in scenario ${e.target.scenario}`);
    let out: Buffer;
    if (this.changingAnswers) {
      out = Buffer.from(JSON.stringify(renderBody(m, onlyLatest, e.served, true)));
    } else if (hasGrowingRestarts(m)) {
      out = Buffer.from(JSON.stringify(renderBody(m, onlyLatest, e.served)));
    } else {
      e.full ??= Buffer.from(JSON.stringify(renderBody(m, false, 0)));
      if (onlyLatest) {
        const types = new Set(m.processes.map((p) => p.type));
        // With one version per type the filtered body is the full body: share the bytes.
        e.latest ??= types.size === m.processes.length ? e.full : Buffer.from(JSON.stringify(renderBody(m, true, 0)));
        out = e.latest;
      } else {
        out = e.full;
      }
    }
    if (!serving) return out;
    e.served++;
    return atRevision(out, this.revision++);
  }

  private apps(): SimApp[] {
    if (this.fixedApps) return this.fixedApps;
    if (!this.derivedApps) {
      const byCode = new Map<string, SimApp>();
      for (const e of this.entries.values()) {
        const { app_code, module_name } = e.target;
        let app = byCode.get(app_code);
        if (!app) {
          app = { code: app_code, name: titleOf(app_code), modules: [] };
          byCode.set(app_code, app);
        }
        if (!app.modules.includes(module_name)) app.modules.push(module_name);
      }
      this.derivedApps = [...byCode.values()];
    }
    return this.derivedApps;
  }

  // ---- HTTP --------------------------------------------------------------------------------

  private route(path: string): Route {
    if (!path.startsWith(this.basePath + '/')) return { kind: 'none' };
    const rest = path.slice(this.basePath.length);
    let m = RE_PROCESSES.exec(rest);
    if (m) {
      const [app, module, env] = [decodeSegment(m[1]), decodeSegment(m[2]), decodeSegment(m[3])];
      if (app === undefined || module === undefined || env === undefined) return { kind: 'none' };
      return { kind: 'processes', app, module, env, key: targetKeyOf(app, module, env) };
    }
    if (RE_MINIMAL.test(rest)) return { kind: 'minimal' };
    m = RE_MODULES.exec(rest);
    if (m) {
      const app = decodeSegment(m[1]);
      return app === undefined ? { kind: 'none' } : { kind: 'modules', app };
    }
    return { kind: 'none' };
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const qi = url.indexOf('?');
    const path = qi < 0 ? url : url.slice(0, qi);
    const query: Record<string, string> = qi < 0 ? {} : Object.fromEntries(new URLSearchParams(url.slice(qi + 1)));
    if (path === STATS_PATH) return this.answerStats(res);
    if (path === CHANGE_EVERY_ANSWER_PATH && req.method === 'POST' && (query.on === 'true' || query.on === 'false')) {
      this.changeEveryAnswer(query.on === 'true');
      res.writeHead(204).end();
      return;
    }
    const route = this.route(path);
    const auth = parseAuth(req.headers[AUTH_HEADER.toLowerCase()]);
    this.log.add({
      at: Date.now(),
      method: req.method ?? 'GET',
      path,
      query,
      headers: { ...req.headers },
      auth: auth.kind === 'ok' ? auth.value : undefined,
      targetKey: route.kind === 'processes' ? route.key : undefined,
    });

    let delay = this.latencyMs;
    if (route.kind === 'processes') {
      const t = this.entries.get(route.key)?.target;
      if (t) delay += t.latencyMs ?? this.faults?.delayMs(t) ?? 0;
    }
    const answer = (): void => this.answer(req, res, route, query, auth, path);
    if (delay <= 0) {
      answer();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      answer();
    }, delay);
    timer.unref();
    this.timers.add(timer);
    res.once('close', () => {
      clearTimeout(timer);
      this.timers.delete(timer);
    });
  }

  changeEveryAnswer(on: boolean): void {
    this.changingAnswers = on;
  }

  /** GET /__sim/stats: request counts for a benchmark that runs the simulator as another process. */
  private answerStats(res: ServerResponse): void {
    const body = JSON.stringify({ processes_requests: this.log.count(), per_target: Object.fromEntries(this.log.perTarget()) });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
    res.end(body);
  }

  send(res: ServerResponse, r: Reply): void {
    if (res.destroyed || res.headersSent) return;
    res.writeHead(r.status, { ...r.headers, 'Content-Length': String(r.body.length), 'X-Bkapi-Request-Id': this.nextRequestId() });
    res.end(r.body);
  }

  nextRequestId(): string {
    const hex = (++this.requestSeq).toString(16).padStart(12, '0');
    return `5e1a7000-0000-4000-8000-${hex}`;
  }

  private answer(req: IncomingMessage, res: ServerResponse, route: Route, query: Record<string, string>, auth: AuthResult, path: string): void {
    if (res.destroyed) return;
    const method = req.method ?? 'GET';
    if (method !== 'GET') return this.send(res, REPLIES.methodNotAllowed(method));
    if (route.kind === 'none') return this.send(res, REPLIES.routeNotFound());
    const denied = this.checkAuth(auth);
    if (denied) return this.send(res, denied);
    switch (route.kind) {
      case 'processes':
        return this.answerProcesses(req, res, route, query);
      case 'modules':
        return this.answerModules(req, res, route.app);
      case 'minimal':
        return this.answerAppList(req, res, query, path);
    }
  }

  private checkAuth(auth: AuthResult): Reply | undefined {
    if (auth.kind === 'missing') return REPLIES.missingAuth();
    if (auth.kind === 'unparsable') return REPLIES.unparsableAuth();
    const a = auth.value;
    if (a.bk_app_code !== this.credentials.bk_app_code || a.bk_app_secret !== this.credentials.bk_app_secret) {
      return REPLIES.wrongApp();
    }
    if (!IDENTITY_KEYS.some((f) => typeof a[f] === 'string' && (a[f] as string).length > 0)) return REPLIES.noUser();
    return undefined;
  }

  /** Answers a fault scenario with the fault injection; false for a body scenario (or one that then answers normally). */
  private answerFault(req: IncomingMessage, res: ServerResponse, scenario: Scenario, request: FaultRequest): boolean {
    return isFaultScenario(scenario) && this.faultsFor(scenario, req.url ?? '/').answer(req, res, scenario, request);
  }

  private answerProcesses(
    req: IncomingMessage,
    res: ServerResponse,
    route: { app: string; module: string; env: string; key: string },
    query: Record<string, string>,
  ): void {
    const e = this.entries.get(route.key);
    if (!e) return this.send(res, REPLIES.notFound(this.unknownTargetDetail(route.app, route.module, route.env)));

    let onlyLatest = false;
    const olv = query.only_latest_version;
    if (olv !== undefined) {
      if (TRUE_VALUES.has(olv)) onlyLatest = true;
      else if (!FALSE_VALUES.has(olv)) return this.send(res, REPLIES.invalidBoolean(olv));
    }

    const t = e.target;
    if (t.body !== undefined) return this.send(res, jsonReply(200, this.verbatimOf(e)));
    const handled = this.answerFault(req, res, t.scenario, {
      trickleBody: () => this.bodyBuffer(e, onlyLatest, true),
      wrongShape: JSON.stringify({ processes: t.processTypes?.join(',') ?? 'web,worker', instances: null, process_packages: 'unavailable' }),
      notFound: `env "${route.env}" of module "${route.module}" of app "${route.app}" is not deployed`,
      retryAfterSeconds: t.retryAfterSeconds,
      target: t,
      failures: e.failures,
    });
    if (handled) return;
    this.send(res, jsonReply(200, this.bodyBuffer(e, onlyLatest, true)));
  }

  private unknownTargetDetail(app: string, module: string, env: string): string {
    let appKnown = false;
    let moduleKnown = false;
    for (const e of this.entries.values()) {
      if (e.target.app_code !== app) continue;
      appKnown = true;
      if (e.target.module_name === module) moduleKnown = true;
    }
    if (!appKnown && !this.apps().some((a) => a.code === app)) return `app "${app}" not found`;
    if (!moduleKnown) return `module "${module}" of app "${app}" not found`;
    return `environment "${env}" of module "${module}" of app "${app}" not found`;
  }

  private answerModules(req: IncomingMessage, res: ServerResponse, code: string): void {
    const app = this.apps().find((a) => a.code === code);
    const fault = this.appFaults.get(code) ?? app?.modulesFault;
    if (fault) {
      const modulesBody = (): Buffer => Buffer.from(JSON.stringify(this.modulesBody(app ?? { code, name: code, modules: [] })));
      const handled = this.answerFault(req, res, fault, {
        trickleBody: modulesBody,
        wrongShape: JSON.stringify({ modules: app?.modules.join(',') ?? '' }),
        notFound: `app "${code}" not found`,
      });
      if (handled) return;
    }
    if (!app) return this.send(res, REPLIES.notFound(`app "${code}" not found`));
    this.send(res, jsonReply(200, JSON.stringify(this.modulesBody(app))));
  }

  private modulesBody(app: SimApp): unknown[] {
    const hasDefault = app.modules.includes('default');
    return app.modules.map((name, i) => ({
      id: uuidFrom(`module|${app.code}|${name}`),
      name,
      is_default: hasDefault ? name === 'default' : i === 0,
      source_origin: 1,
      language: 'Python',
      created: isoSeconds(SIM_EPOCH_MS - (100 + (hash32(`created|${app.code}|${name}`) % 900)) * 86400_000),
    }));
  }

  private answerAppList(req: IncomingMessage, res: ServerResponse, query: Record<string, string>, path: string): void {
    const apps = this.apps();
    const parseNat = (v: string | undefined): number | undefined => (v !== undefined && /^\d+$/.test(v) ? parseInt(v, 10) : undefined);
    const requested = parseNat(query.limit);
    const limit = Math.min(requested && requested > 0 ? requested : this.pageSize, this.pageSize);
    const offset = parseNat(query.offset) ?? 0;
    const pageUrl = (off: number): string => {
      const q = new URLSearchParams(query);
      q.set('limit', String(limit));
      if (off > 0) q.set('offset', String(off));
      else q.delete('offset');
      return `http://${req.headers.host ?? `${hostForUrl(this.host)}:${this.listenPort}`}${path}?${q.toString()}`;
    };
    const body = JSON.stringify({
      count: apps.length,
      next: offset + limit < apps.length ? pageUrl(offset + limit) : null,
      previous: offset > 0 ? pageUrl(Math.max(0, offset - limit)) : null,
      results: apps.slice(offset, offset + limit).map((a) => ({
        application: { id: uuidFrom(`app|${a.code}`), code: a.code, name: a.name, region: 'default' },
        product: null,
      })),
    });
    if (this.appListFault) {
      const handled = this.answerFault(req, res, this.appListFault, {
        trickleBody: () => Buffer.from(body),
        wrongShape: JSON.stringify(apps.map((a) => a.code)),
        notFound: 'not found',
      });
      if (handled) return;
    }
    this.send(res, jsonReply(200, body));
  }
}

/**
 * Starts a simulator listening on `opts.port` (default: a free port) of `opts.host` (default
 * 127.0.0.1), with the fault injection only if `opts.faults` installs it (startSimulator in
 * index.ts does).
 */
export async function startSimulatorServer(opts: SimulatorOptions = {}): Promise<Simulator> {
  const sim = new SimulatorServer(opts);
  await sim.listen();
  return sim;
}
