/**
 * The `bkpaas-exporter` command: parses flags, loads the config (or starts the demo), and runs
 * the server, --check-config or --once. Exit codes: 0 ok, 1 bad config / failed --once, 2 usage.
 */
import v8 from 'node:v8';
import { parseCli, UsageError, USAGE, type CliOptions } from './cli/args';
import { ConfigError, describeConfig, describeLocation, loadConfigAt, loadConfigOffThread, parseListen } from './config';
import type { ExporterConfig } from './config/types';
import { startDemo } from './demo';
import { describeServedFamilies } from './config/servedFamilies';
import { Exporter } from './exporter';
import { createApp } from './http/app';
import { startServer, type RunningServer } from './http/server';
import { describeWebConfig, loadWebConfig, WebConfigError, type WebConfig } from './http/webConfig';
import { withWebConfig, type ServedApp } from './http/webGuard';
import { SecretFileWatcher } from './config/secretFileWatcher';
import { createLogger, type Logger } from './log';
import type { Simulator } from './simulator/types';
import { VERSION } from './version';

/** `host:port` of an external URL (the scheme's default port when it names none; IPv6 hosts keep their brackets). */
function externalAddress(url: URL): string {
  return `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`;
}

/** Grace period for in-flight scrapes on SIGTERM. */
const SHUTDOWN_GRACE_MS = 10_000;

function printConfigError(err: unknown): number {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    return 1;
  }
  throw err;
}

async function runOnce(exporter: Exporter): Promise<number> {
  process.stdout.write(await exporter.once());
  const failed = exporter.targets().filter((t) => t.health === 'down' || t.health === 'pending');
  for (const t of failed) process.stderr.write(`target ${t.key} failed: ${t.lastError?.message ?? 'no answer'}\n`);
  return failed.length > 0 ? 1 : 0;
}

/** --check-config --discover: one discovery run against the real upstream, summarised. */
async function checkDiscovery(config: ExporterConfig, logger: Logger): Promise<number> {
  if (!config.discovery.enabled) {
    process.stdout.write('discovery is not enabled (discovery.enabled: false)\nconfig OK\n');
    return 0;
  }
  const exporter = new Exporter(config, { logger });
  try {
    await exporter.discoverNow();
    const status = exporter.discoveryManager!.status;
    if (status.lastSuccessAt === undefined) {
      process.stdout.write(`discovery failed: ${status.lastError ?? 'unknown error'}\n`);
      return 1;
    }
    const merged = exporter.targets().length;
    process.stdout.write(
      `discovery: ${status.apps} apps matched, ${status.targets} targets discovered, ${merged} targets in all with the static ones\n` +
        (status.lastError ? `warning: ${status.lastError}\n` : '') +
        'config OK\n',
    );
    return 0;
  } finally {
    exporter.close();
  }
}

/** Re-reads --web.config.file and applies it; on any problem logs why and keeps the one in force. */
function reloadWebConfig(file: string, apply: NonNullable<ServedApp['reload']>, running: RunningServer, logger: Logger): void {
  let next: WebConfig;
  try {
    next = loadWebConfig(file);
  } catch (err) {
    logger.error(`web config reload failed, previous kept: ${err instanceof WebConfigError ? err.message : String(err)}`);
    return;
  }
  const why = apply(next, running.server);
  if (why !== undefined) logger.error(`web config reload failed, previous kept: ${why}`);
  else logger.info(`reloaded ${describeWebConfig(next)}`);
}

async function serve(exporter: Exporter, config: ExporterConfig, cli: CliOptions, logger: Logger, simulator?: Simulator, web?: WebConfig): Promise<boolean> {
  const listen = cli.listen !== undefined ? parseListen(cli.listen) : config.server.listen;
  const shardLabel = cli.shard ? `${cli.shard.index}/${cli.shard.total}` : undefined;
  const app = createApp(exporter, { logger, shardLabel, sdAddress: cli.externalUrl ? externalAddress(cli.externalUrl) : undefined });
  const served = withWebConfig(app, web);
  let running: RunningServer;
  try {
    running = await startServer(served.listener, listen, served.options);
  } catch (err) {
    const code = (err as { code?: string }).code;
    const why = code === 'EADDRINUSE' ? 'address already in use' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    logger.fatal(`cannot listen on ${listen.host || '*'}:${listen.port}: ${why}`);
    return false;
  }
  if (web) logger.info(describeWebConfig(web));
  exporter.start();
  logger.info(
    {
      address: `${running.address.address}:${running.address.port}`,
      targets: exporter.targets().length,
      version: VERSION,
      shard: shardLabel,
      // What NODE_OPTIONS (or the container's memory limit) gave V8: the first thing to check when memory surprises.
      heap_limit_mb: Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20),
    },
    'bkpaas-exporter listening',
  );

  process.on('SIGHUP', () => {
    logger.info('SIGHUP: reloading config');
    void exporter.reload().then((r) => r.nothingToReload && logger.info(r.nothingToReload));
    if (cli.webConfigFile !== undefined && served.reload) reloadWebConfig(cli.webConfigFile, served.reload, running, logger);
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: readiness off, finishing in-flight requests');
    exporter.beginShutdown();
    void running.close(SHUTDOWN_GRACE_MS).then(async () => {
      exporter.close();
      await simulator?.close();
      logger.info('stopped');
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return true;
}

/** Runs the command with `argv` (without node and script); resolves with the exit code, or never for the server. */
export async function main(argv: string[]): Promise<number | undefined> {
  let cli: CliOptions;
  try {
    cli = parseCli(argv);
    if (cli.listen !== undefined) parseListen(cli.listen);
  } catch (err) {
    if (err instanceof UsageError || err instanceof Error) {
      process.stderr.write(`bkpaas-exporter: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  if (cli.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (cli.version) {
    process.stdout.write(`bkpaas-exporter ${VERSION} (node ${process.version})\n`);
    return 0;
  }
  let web: WebConfig | undefined;
  if (cli.webConfigFile !== undefined) {
    try {
      web = loadWebConfig(cli.webConfigFile);
    } catch (err) {
      if (!(err instanceof WebConfigError)) throw err;
      process.stderr.write(`bkpaas-exporter: ${err.message}\n`);
      return 1;
    }
  }

  const logger = createLogger(cli.logLevel);
  let config: ExporterConfig;
  let secretFiles: string[] = [];
  let simulator: Simulator | undefined;
  if (cli.demo) {
    ({ config, simulator } = await startDemo());
    logger.info({ upstream: config.upstream.base_url, targets: config.targets.length }, 'demo: built-in BlueKing PaaS simulator started');
  } else {
    try {
      const loaded = loadConfigAt(cli.config);
      config = loaded.config;
      secretFiles = loaded.secretFiles;
      for (const w of loaded.warnings) logger.warn({ path: w.path, line: w.line }, w.message);
      if (cli.checkConfig) {
        process.stdout.write(`${describeConfig(config, describeLocation(cli.config), { sources: loaded.sources, shard: cli.shard })}\n`);
        if (web) process.stdout.write(`${describeWebConfig(web)}\n`);
        const served = describeServedFamilies(config.metrics, { discovery: config.discovery.enabled });
        process.stdout.write(`${served.lines.join('\n')}\n`);
        for (const w of loaded.warnings) process.stdout.write(`warning: ${w.path}: ${w.message}\n`);
        for (const w of served.warnings) process.stdout.write(`warning: ${w}\n`);
        if (cli.discover) return await checkDiscovery(config, logger);
        process.stdout.write('config OK\n');
        return 0;
      }
    } catch (err) {
      return printConfigError(err);
    }
  }

  // A changed *_file secret (a rotated token) reloads the config, as SIGHUP would.
  const secretWatcher = new SecretFileWatcher((file) => {
    logger.info({ file }, 'secret file changed, reloading config');
    void exporter.reload();
  });
  const exporter = new Exporter(config, {
    logger,
    shard: cli.shard,
    reloadConfig: cli.demo
      ? undefined
      : async () => {
          const loaded = await loadConfigOffThread(cli.config);
          await secretWatcher.watch(loaded.secretFiles);
          return loaded.config;
        },
  });
  if (cli.once) {
    const code = await runOnce(exporter);
    exporter.close();
    await simulator?.close();
    return code;
  }
  if (await serve(exporter, config, cli, logger, simulator, web)) {
    await secretWatcher.watch(secretFiles);
    return undefined;
  }
  secretWatcher.stop();
  exporter.close();
  await simulator?.close();
  return 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code !== undefined) process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`bkpaas-exporter: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
