/**
 * Standalone simulator: `node dist/simulator/cli.js [--port N] [--host H] [--targets N]
 * [--latency MS] [--evolve]`. Prints one JSON line with the base URL and credentials on stdout
 * (for scripts such as the benchmark), a readable summary on stderr, and stops on SIGINT/SIGTERM.
 * `GET <origin>/__sim/stats` answers the processes/list/ request counts, total and per target, as
 * JSON (how `npm run bench` counts upstream load across processes); `POST
 * <origin>/__sim/change-every-answer?on=true` makes every answer differ from the last (the bench's
 * measure of answers that must be parsed again).
 */
import { DEMO_ACCESS_TOKEN, DEMO_CREDENTIALS, demoFleet, generateFleet, startSimulator } from './index';
import type { SimulatorOptions } from './types';

export interface SimulatorCliArgs {
  port: number;
  host: string;
  /** undefined: the demo fleet. */
  targets?: number;
  latencyMs: number;
  evolve: boolean;
  evolveIntervalMs?: number;
  pageSize?: number;
  maxLoggedRequests: number;
  help: boolean;
}

export const SIMULATOR_USAGE = `usage: node dist/simulator/cli.js [options]

  --port N              port to listen on (default 0: a free port)
  --host H              address to listen on (default 127.0.0.1)
  --targets N           serve N generated healthy-ish targets (default: the demo fleet)
  --latency MS          base latency of every answer in ms (default 0)
  --evolve              let state change over time (rollouts, failures, scaling)
  --evolve-interval MS  tick of the evolution (default 20000)
  --page-size N         page size of the app list API (default 100)
  --max-logged N        requests kept in the in-memory log (default 1000)
  -h, --help            this text

GET <origin>/__sim/stats (outside the API base path, no auth) answers
{"processes_requests": N, "per_target": {"app/module/env": N, ...}}.
POST <origin>/__sim/change-every-answer?on=true (or false): while on, every answer
differs from the target's last one (its instances' restart counts grow).
`;

function intArg(name: string, v: string | undefined, min: number): number {
  if (v === undefined || !/^\d+$/.test(v)) throw new Error(`${name} needs a whole number, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
  const n = parseInt(v, 10);
  if (n < min) throw new Error(`${name} must be at least ${min}`);
  return n;
}

/** Parses the command line (without node and script); throws an Error naming the bad flag. */
export function parseSimulatorArgs(argv: string[]): SimulatorCliArgs {
  const out: SimulatorCliArgs = { port: 0, host: '127.0.0.1', latencyMs: 0, evolve: false, maxLoggedRequests: 1000, help: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith('--') && argv[i].includes('=') ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--port':
        out.port = intArg(flag, value(), 0);
        if (out.port > 65535) throw new Error('--port must be at most 65535');
        break;
      case '--host': {
        const h = value();
        if (!h) throw new Error('--host needs an address');
        out.host = h;
        break;
      }
      case '--targets':
        out.targets = intArg(flag, value(), 1);
        break;
      case '--latency':
        out.latencyMs = intArg(flag, value(), 0);
        break;
      case '--evolve':
        out.evolve = true;
        break;
      case '--evolve-interval':
        out.evolveIntervalMs = intArg(flag, value(), 10);
        break;
      case '--page-size':
        out.pageSize = intArg(flag, value(), 1);
        break;
      case '--max-logged':
        out.maxLoggedRequests = intArg(flag, value(), 0);
        break;
      case '-h':
      case '--help':
        out.help = true;
        break;
      default:
        throw new Error(`unknown argument ${JSON.stringify(argv[i])}`);
    }
  }
  return out;
}

/** Simulator options for parsed arguments. */
export function simulatorOptionsFor(a: SimulatorCliArgs): SimulatorOptions {
  return {
    port: a.port,
    host: a.host,
    latencyMs: a.latencyMs,
    targets: a.targets === undefined ? demoFleet() : generateFleet(a.targets),
    evolve: a.evolve,
    evolveIntervalMs: a.evolveIntervalMs,
    pageSize: a.pageSize,
    maxLoggedRequests: a.maxLoggedRequests,
  };
}

async function main(): Promise<void> {
  let args: SimulatorCliArgs;
  try {
    args = parseSimulatorArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${SIMULATOR_USAGE}`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(SIMULATOR_USAGE);
    return;
  }
  const opts = simulatorOptionsFor(args);
  const sim = await startSimulator(opts);
  const info = {
    base_url: sim.baseUrl,
    origin: sim.origin,
    port: sim.port,
    bk_app_code: DEMO_CREDENTIALS.bk_app_code,
    bk_app_secret: DEMO_CREDENTIALS.bk_app_secret,
    access_token: DEMO_ACCESS_TOKEN,
    targets: opts.targets?.length ?? 0,
  };
  process.stdout.write(JSON.stringify(info) + '\n');
  process.stderr.write(
    `BlueKing PaaS simulator listening: base_url ${sim.baseUrl}\n` +
      `  credentials: bk_app_code=${info.bk_app_code} bk_app_secret=${info.bk_app_secret} access_token=${info.access_token}\n` +
      `  ${info.targets} targets, latency ${args.latencyMs} ms${args.evolve ? ', evolving' : ''}; stop with Ctrl-C\n`,
  );
  const stop = (): void => {
    void sim.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`simulator failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
