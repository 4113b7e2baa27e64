/**
 * Loading a config file on a worker thread (loadWorker.ts), so that reading and validating a huge
 * file (seconds for 100 000 targets) never stalls scrapes or /healthz: the config in force keeps
 * serving meanwhile, and a file too large for the heap kills the worker, not the exporter.
 */

import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

import { runInSlices } from '../slices';
import { ConfigError } from './errors';
import { heapLimitBytes } from './heapFit';
import { describeLocation, loadConfigAt, type ConfigLocation, type LoadedConfig } from './load';
import { deserializeTargetSteps } from './targetTransfer';
import type { ConfigProblem } from './types';

/** What the worker is asked: the file, and the heap limit of the exporter (not the worker's own). */
export interface LoadRequest {
  location: ConfigLocation;
  heapLimitBytes: number;
}

/**
 * What the worker answers: the loaded config (without its targets) and its targets as serialized
 * chunks (targetTransfer.ts), or the first problems and how many more there are.
 */
export type LoadReply = { ok: true; loaded: LoadedConfig; targets: Uint8Array[] } | { ok: false; problems: ConfigProblem[]; more: number };

const WORKER_SCRIPT = path.join(__dirname, 'loadWorker.js');

/**
 * Reads and validates the config at `location` like loadConfigAt (`${VAR}` from this process's environment), on a
 * worker thread, and resolves with the config and its warnings. Rejects with a ConfigError
 * carrying the first problems (the message counts the rest) when the file is invalid or the
 * worker fails. Without a compiled worker script (the TypeScript sources run by tests) it
 * validates on this thread.
 */
export function loadConfigOffThread(location: ConfigLocation): Promise<LoadedConfig> {
  if (!existsSync(WORKER_SCRIPT)) return new Promise((resolve) => resolve(loadConfigAt(location)));
  const file = describeLocation(location);
  return new Promise((resolve, reject) => {
    const request: LoadRequest = { location, heapLimitBytes: heapLimitBytes() };
    const worker = new Worker(WORKER_SCRIPT, { workerData: request });
    let replied = false;
    worker.once('message', (reply: LoadReply) => {
      replied = true;
      if (!reply.ok) return reject(new ConfigError(file, reply.problems, { more: reply.more }));
      const { loaded } = reply;
      runInSlices(deserializeTargetSteps(reply.targets)).then((targets) => resolve({ ...loaded, config: { ...loaded.config, targets } }), reject);
    });
    // e.g. ERR_WORKER_OUT_OF_MEMORY: a file the heap cannot validate.
    worker.once('error', (err) => {
      replied = true;
      reject(new ConfigError(file, [{ path: '', message: `the config could not be validated: ${err.message}` }]));
    });
    worker.once('exit', (code) => {
      if (!replied) reject(new ConfigError(file, [{ path: '', message: `the config could not be validated: the worker exited with code ${code}` }]));
    });
  });
}
