/** Command-line parsing (contract: Command line). Bad usage is a UsageError → exit code 2. */
import { parseArgs } from 'node:util';
import { CONFIG_YAML_VARIABLE, type ConfigLocation } from '../config/load';
import { LOG_LEVELS } from '../log';
import type { Shard } from '../scheduler/shard';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface CliOptions {
  /** The whole YAML in $EXPORTER_CONFIG_YAML when set, else --config, else the file $BKPAAS_EXPORTER_CONFIG, else config.yaml. */
  config: ConfigLocation;
  listen?: string;
  checkConfig: boolean;
  /** With --check-config: also run discovery once against the upstream and report its size. */
  discover: boolean;
  once: boolean;
  demo: boolean;
  shard?: Shard;
  webConfigFile?: string;
  /** --web.external-url: where Prometheus reaches this exporter; its host:port is what /sd hands out. */
  externalUrl?: URL;
  logLevel: string;
  version: boolean;
  help: boolean;
}

export const USAGE = `Usage: bkpaas-exporter [options]

Prometheus exporter for BlueKing PaaS (蓝鲸 PaaS v3) processes and instances.

Options:
  --config FILE              YAML config (default config.yaml; env BKPAAS_EXPORTER_CONFIG names the file;
                             env EXPORTER_CONFIG_YAML, when set, holds the whole YAML and wins)
  --listen [HOST]:PORT       listen address, overrides server.listen (default 0.0.0.0:9876)
  --check-config             validate the config, print a summary, exit 0 (1 on errors)
  --discover                 with --check-config: run discovery once and print how many targets it finds
  --once                     fetch every target once, print the metrics, exit (1 if any target failed)
  --demo                     run against the built-in BlueKing PaaS simulator (no config needed)
  --shard N                  serve only targets whose stable hash mod --total-shards is N
  --total-shards M           number of shards (with --shard)
  --web.config.file FILE     TLS and basic auth for the exporter's endpoints (exporter-toolkit format)
  --web.external-url URL     where Prometheus reaches this exporter (e.g. http://exporter-0.exporter:9876):
                             /sd hands out its host:port (default: the address each request reached)
  --log-level LEVEL          fatal, error, warn, info (default), debug, trace, silent
  --version                  print the version and exit
  --help                     print this help and exit

Exit codes: 0 ok, 1 bad config or failed --once, 2 bad usage.
`;

function wholeNumber(flag: string, v: string): number {
  if (!/^\d+$/.test(v)) throw new UsageError(`${flag} expects a whole number, got "${v}"`);
  return Number(v);
}

function parseExternalUrl(v: string | undefined): URL | undefined {
  if (v === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new UsageError(`--web.external-url expects a URL such as http://exporter-0.exporter:9876, got "${v}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--web.external-url must be http or https, got "${v}"`);
  return url;
}

/** Parses argv (without node and script). Throws UsageError. */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv = process.env): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        listen: { type: 'string' },
        'check-config': { type: 'boolean' },
        discover: { type: 'boolean' },
        once: { type: 'boolean' },
        demo: { type: 'boolean' },
        shard: { type: 'string' },
        'total-shards': { type: 'string' },
        'web.config.file': { type: 'string' },
        'web.external-url': { type: 'string' },
        'log-level': { type: 'string' },
        version: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  const logLevel = v['log-level'] ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new UsageError(`--log-level expects one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);

  let shard: Shard | undefined;
  if (v.shard !== undefined || v['total-shards'] !== undefined) {
    if (v.shard === undefined || v['total-shards'] === undefined) {
      throw new UsageError('--shard and --total-shards go together');
    }
    const index = wholeNumber('--shard', v.shard);
    const total = wholeNumber('--total-shards', v['total-shards']);
    if (total < 1) throw new UsageError('--total-shards must be at least 1');
    if (index >= total) throw new UsageError(`--shard must be below --total-shards (${total}), got ${index}`);
    shard = { index, total };
  }
  if (v.demo && v.config !== undefined) throw new UsageError('--demo runs without a config file: drop --config');
  // --demo --once is useful (prints the simulator's metrics); --check-config has nothing to check.
  if (v.demo && v['check-config']) throw new UsageError('--check-config needs a config file, not --demo');
  if (v['check-config'] && v.once) throw new UsageError('--check-config and --once are exclusive');
  if (v.discover && !v['check-config']) throw new UsageError('--discover goes with --check-config');

  const fromEnv = env.BKPAAS_EXPORTER_CONFIG;
  const config: ConfigLocation =
    env[CONFIG_YAML_VARIABLE] ? { variable: CONFIG_YAML_VARIABLE } : { file: v.config ?? (fromEnv || 'config.yaml') };
  return {
    config,
    listen: v.listen,
    checkConfig: !!v['check-config'],
    discover: !!v.discover,
    once: !!v.once,
    demo: !!v.demo,
    shard,
    webConfigFile: v['web.config.file'],
    externalUrl: parseExternalUrl(v['web.external-url']),
    logLevel,
    version: !!v.version,
    help: !!v.help,
  };
}
