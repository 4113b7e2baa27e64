/**
 * The status page's words in English and 简体中文, and which of them a request gets: the `lang`
 * query parameter when it names one, else the first of them in Accept-Language by weight.
 */

/** The page's languages: `en` English, `zh` Simplified Chinese. */
export type Lang = 'en' | 'zh';

export const LANGS: readonly Lang[] = ['en', 'zh'];

/** Every text of the page; functions for those with numbers in them. */
export interface Strings {
  htmlLang: string;
  /** The link to the page in the other language, in that language. */
  switchTo: string;
  title: string;
  version: string;
  shard: string;
  links: { metrics: string; exporterMetrics: string; sd: string; healthz: string; readyz: string };
  summary: {
    /** The label after a count of targets. */
    targets: (n: number) => string;
    up: string;
    down: string;
    pending: string;
    undeployed: string;
    /** The label after a count of process types. */
    processes: (n: number) => string;
    notSettled: string;
    short: string;
    failed: string;
    stale: string;
    discovery: string;
    discoveryLastRun: string;
    discoveryNever: string;
    discoveryOff: string;
    discoveryTargets: (apps: number, targets: number) => string;
    discoveryError: string;
  };
  filter: {
    app: string;
    module: string;
    environment: string;
    anyEnvironment: string;
    onlyProblems: string;
    autoRefresh: (seconds: number) => string;
    apply: string;
    clear: string;
    /** After live filtering: rows of this page still shown. */
    shownOnPage: string;
  };
  sections: Record<'failing' | 'attention' | 'pending' | 'healthy' | 'undeployed', string>;
  columns: {
    target: string;
    process: string;
    replicas: string;
    replicasHint: string;
    failed: string;
    stale: string;
    settled: string;
    status: string;
    version: string;
    restarts: string;
    lastTermination: string;
    limits: string;
    autoscaling: string;
  };
  health: Record<'pending' | 'up' | 'down' | 'undeployed', string>;
  yes: string;
  no: string;
  start: string;
  stop: string;
  on: string;
  off: string;
  cpu: string;
  memory: string;
  probe: string;
  refreshing: string;
  noProcesses: string;
  lastKnown: (ago: string) => string;
  lastError: string;
  lastSuccess: string;
  never: string;
  fetched: string;
  ago: (seconds: number) => string;
  paging: {
    showing: (from: number, to: number, of: number) => string;
    none: string;
    previous: string;
    next: string;
    page: (page: number, pages: number) => string;
  };
  replicasTitle: (healthy: number, desired: number, target: number | undefined) => string;
}

const EN: Strings = {
  htmlLang: 'en',
  switchTo: 'English',
  title: 'BlueKing PaaS process exporter',
  version: 'version',
  shard: 'shard',
  links: { metrics: 'Metrics', exporterMetrics: 'Exporter metrics', sd: 'Service discovery', healthz: 'Health', readyz: 'Readiness' },
  summary: {
    targets: (n) => (n === 1 ? 'target' : 'targets'),
    up: 'up',
    down: 'down',
    pending: 'not yet fetched',
    undeployed: 'not deployed',
    processes: (n) => `process ${n === 1 ? 'type' : 'types'} of targets up`,
    notSettled: 'not settled',
    short: 'short of replicas',
    failed: 'failed instances',
    stale: 'stale instances',
    discovery: 'discovery',
    discoveryLastRun: 'last successful run',
    discoveryNever: 'no successful run yet',
    discoveryOff: 'off',
    discoveryTargets: (apps, targets) => `${apps} apps, ${targets} targets`,
    discoveryError: 'last error',
  },
  filter: {
    app: 'App',
    module: 'Module',
    environment: 'Environment',
    anyEnvironment: 'all',
    onlyProblems: 'only problems',
    autoRefresh: (s) => `refresh every ${s} s`,
    apply: 'Apply to all targets',
    clear: 'Clear',
    shownOnPage: 'targets shown on this page',
  },
  sections: { failing: 'Failing', attention: 'Needs attention', pending: 'Not yet fetched', healthy: 'Healthy', undeployed: 'Not deployed' },
  columns: {
    target: 'Target',
    process: 'Process',
    replicas: 'Replicas',
    replicasHint: 'healthy / desired / target',
    failed: 'Failed',
    stale: 'Stale',
    settled: 'Settled',
    status: 'Status',
    version: 'Version',
    restarts: 'Restarts',
    lastTermination: 'Last termination',
    limits: 'Limits per replica',
    autoscaling: 'Autoscaling',
  },
  health: { pending: 'pending', up: 'up', down: 'down', undeployed: 'not deployed' },
  yes: 'yes',
  no: 'no',
  start: 'start',
  stop: 'stop',
  on: 'on',
  off: 'off',
  cpu: 'CPU',
  memory: 'memory',
  probe: '/probe',
  refreshing: 'refreshing',
  noProcesses: 'no process types',
  lastKnown: (ago) => `last known, ${ago}`,
  lastError: 'last error',
  lastSuccess: 'last success',
  never: 'never',
  fetched: 'fetched',
  ago: (s) => (s < 120 ? `${s} s ago` : s < 7200 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`),
  paging: {
    showing: (from, to, of) => `targets ${from}–${to} of ${of}`,
    none: 'no target matches',
    previous: '← previous',
    next: 'next →',
    page: (page, pages) => `page ${page} of ${pages}`,
  },
  replicasTitle: (healthy, desired, target) => `${healthy} healthy, ${desired} desired${target === undefined ? '' : `, ${target} target`}`,
};

const ZH: Strings = {
  htmlLang: 'zh-CN',
  switchTo: '简体中文',
  title: '蓝鲸 PaaS 进程 exporter',
  version: '版本',
  shard: '分片',
  links: { metrics: '指标', exporterMetrics: 'exporter 自身指标', sd: '服务发现', healthz: '存活检查', readyz: '就绪检查' },
  summary: {
    targets: () => '个目标',
    up: '正常',
    down: '失败',
    pending: '尚未拉取',
    undeployed: '未部署',
    processes: () => '个进程类型（正常目标）',
    notSettled: '未稳定',
    short: '副本不足',
    failed: '失败实例',
    stale: '旧版本实例',
    discovery: '自动发现',
    discoveryLastRun: '最近一次成功运行',
    discoveryNever: '尚无成功的运行',
    discoveryOff: '未启用',
    discoveryTargets: (apps, targets) => `${apps} 个应用，${targets} 个目标`,
    discoveryError: '最近错误',
  },
  filter: {
    app: '应用',
    module: '模块',
    environment: '环境',
    anyEnvironment: '全部',
    onlyProblems: '只看有问题的',
    autoRefresh: (s) => `每 ${s} 秒刷新`,
    apply: '筛选全部目标',
    clear: '清除',
    shownOnPage: '个目标显示在本页',
  },
  sections: { failing: '拉取失败', attention: '需要关注', pending: '尚未拉取', healthy: '正常', undeployed: '未部署' },
  columns: {
    target: '目标',
    process: '进程',
    replicas: '副本',
    replicasHint: '健康 / 期望 / 目标',
    failed: '失败',
    stale: '旧版本',
    settled: '已稳定',
    status: '目标状态',
    version: '版本',
    restarts: '重启次数',
    lastTermination: '最近终止原因',
    limits: '单副本资源上限',
    autoscaling: '自动扩缩容',
  },
  health: { pending: '等待中', up: '正常', down: '失败', undeployed: '未部署' },
  yes: '是',
  no: '否',
  start: '启动',
  stop: '停止',
  on: '开启',
  off: '关闭',
  cpu: 'CPU',
  memory: '内存',
  probe: '/probe',
  refreshing: '刷新中',
  noProcesses: '没有进程类型',
  lastKnown: (ago) => `最近一次成功时的状态，${ago}`,
  lastError: '最近错误',
  lastSuccess: '最近成功',
  never: '从未',
  fetched: '拉取于',
  ago: (s) => (s < 120 ? `${s} 秒前` : s < 7200 ? `${Math.round(s / 60)} 分钟前` : `${Math.round(s / 3600)} 小时前`),
  paging: {
    showing: (from, to, of) => `第 ${from}–${to} 个目标，共 ${of} 个`,
    none: '没有符合条件的目标',
    previous: '← 上一页',
    next: '下一页 →',
    page: (page, pages) => `第 ${page} / ${pages} 页`,
  },
  replicasTitle: (healthy, desired, target) => `健康 ${healthy}，期望 ${desired}${target === undefined ? '' : `，目标 ${target}`}`,
};

/** The page's words in `lang`. */
export const STRINGS: Readonly<Record<Lang, Strings>> = { en: EN, zh: ZH };

/** `lang` when it names one of the page's languages (`en`, `zh`, `zh-CN`, ...), else undefined. */
export function langOf(tag: string | undefined): Lang | undefined {
  const primary = tag?.trim().toLowerCase().split(/[-_]/)[0];
  return LANGS.find((l) => l === primary);
}

/**
 * The language of a request: the `lang` query parameter when it names one, else the first
 * language of the page in Accept-Language by weight (a `q=0` entry never), else English.
 */
export function pickLanguage(param: string | undefined, acceptLanguage: string | undefined): Lang {
  const chosen = langOf(param);
  if (chosen) return chosen;
  const ranked: Array<{ lang: Lang; q: number; at: number }> = [];
  (acceptLanguage ?? '').split(',').forEach((part, at) => {
    const [tag, ...params] = part.split(';');
    const lang = langOf(tag);
    if (!lang) return;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (Number.isFinite(q) && q > 0) ranked.push({ lang, q, at });
  });
  ranked.sort((a, b) => b.q - a.q || a.at - b.at);
  return ranked[0]?.lang ?? 'en';
}
