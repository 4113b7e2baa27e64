/**
 * Entry point of the worker thread that loads a config file for loadConfigOffThread (offThread.ts):
 * reads and validates it with loadConfig, then posts the result (its targets serialized in
 * chunks), or the problems, back.
 */

import { parentPort, workerData } from 'node:worker_threads';

import { ConfigError, MAX_PRINTED_PROBLEMS } from './errors';
import { loadConfigAt } from './load';
import type { LoadReply, LoadRequest } from './offThread';
import { serializeTargets } from './targetTransfer';

/** Problems sent back beyond the printed ones would only cost the main thread time to receive. */
const MAX_SENT_PROBLEMS = MAX_PRINTED_PROBLEMS;

function run(request: LoadRequest): LoadReply {
  try {
    const loaded = loadConfigAt(request.location, process.env, { heapLimitBytes: request.heapLimitBytes });
    // The targets travel as bytes, rebuilt on the main thread a chunk per step (targetTransfer.ts).
    return { ok: true, loaded: { ...loaded, config: { ...loaded.config, targets: [] } }, targets: serializeTargets(loaded.config.targets) };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const sent = err.problems.slice(0, MAX_SENT_PROBLEMS);
    return { ok: false, problems: sent, more: err.problems.length - sent.length + err.more };
  }
}

parentPort?.postMessage(run(workerData as LoadRequest));
